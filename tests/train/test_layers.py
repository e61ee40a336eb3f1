"""Layer selection by SNR: structured matrices outscore noise, and the top fraction is chosen."""

from __future__ import annotations

import torch
from safetensors.torch import save_file

from train._layers import matrix_snr, select_layers, snr_scores


def test_low_rank_signal_beats_noise():
    g = torch.Generator().manual_seed(0)
    noise = torch.randn(64, 96, generator=g)
    signal = noise * 0.1 + 3 * torch.randn(64, 2, generator=g) @ torch.randn(2, 96, generator=g)
    assert matrix_snr(signal) > 5 * matrix_snr(noise)


def test_scores_per_layer_and_selection(tmp_path):
    g = torch.Generator().manual_seed(1)
    tensors = {}
    for layer in range(4):
        strength = [0.0, 5.0, 0.5, 3.0][layer]
        for name in ("q_proj", "v_proj"):
            w = torch.randn(32, 32, generator=g) + strength * torch.randn(32, 1, generator=g) @ torch.randn(
                1, 32, generator=g
            )
            tensors[f"model.layers.{layer}.self_attn.{name}.weight"] = w
    tensors["model.embed_tokens.weight"] = torch.randn(100, 32, generator=g)
    save_file(tensors, tmp_path / "model.safetensors")
    scores = snr_scores(tmp_path)
    assert sorted(scores) == [0, 1, 2, 3]
    assert select_layers(scores, 0.5) == [1, 3]
    assert select_layers(scores, 0.01) == [1]


def test_selection_on_a_real_checkpoint(tiny_llama):
    scores = snr_scores(tiny_llama)
    assert len(scores) == 4 and all(v >= 0 for v in scores.values())
    assert len(select_layers(scores, 0.5)) == 2
