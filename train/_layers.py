"""Layer selection by signal-to-noise ratio (seed system 1, as in Spectrum): for each weight
matrix, singular values above the Marchenko-Pastur edge of a random matrix of the same shape
and scale are signal, the rest noise; a layer's score is the mean SNR of its matrices."""

from __future__ import annotations

import math
import re
from pathlib import Path

import torch
from safetensors import safe_open

LAYER = re.compile(r"\.(?:layers|block|h)\.(\d+)\.")


def matrix_snr(weight: torch.Tensor, device: str | None = None) -> float:
    """On the GPU when there is one (svdvals of an 8B model's matrices take minutes on a CPU). The
    score only ranks layers; float32 either way."""
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    w = weight.to(device=device, dtype=torch.float32)
    m, n = w.shape
    singular = torch.linalg.svdvals(w)
    edge = w.std().item() * (math.sqrt(m) + math.sqrt(n))  # largest singular value of pure noise
    signal, noise = singular[singular > edge].sum().item(), singular[singular <= edge].sum().item()
    return signal / noise if noise > 0 else float("inf")


def snr_scores(folder: Path) -> dict[int, float]:
    """Mean SNR of each layer's 2-D weight matrices, read straight from the safetensors files."""
    per_layer: dict[int, list[float]] = {}
    for path in sorted(Path(folder).glob("*.safetensors")):
        with safe_open(str(path), framework="pt") as fh:
            for name in fh.keys():
                match = LAYER.search(name)
                if not match or not name.endswith(".weight"):
                    continue
                tensor = fh.get_tensor(name)
                if tensor.ndim == 2 and min(tensor.shape) > 1:
                    per_layer.setdefault(int(match.group(1)), []).append(matrix_snr(tensor))
    return {layer: sum(v) / len(v) for layer, v in sorted(per_layer.items())}


def last_layers(folder: Path, fraction: float) -> list[int]:
    """The last `fraction` of the model's layers (at least one): with LoRA on them alone, the backward
    pass stops at the lowest of them, so training costs little more than the forward pass."""
    import json

    config = json.loads((Path(folder) / "config.json").read_text())
    n = config.get("num_hidden_layers") or config.get("num_layers") or config["n_layer"]
    k = max(1, round(fraction * n))
    return list(range(n - k, n))


def select_layers(scores: dict[int, float], fraction: float) -> list[int]:
    """The top `fraction` of layers by score (at least one), in layer order; ties keep lower layers."""
    k = max(1, round(fraction * len(scores)))
    ranked = sorted(scores, key=lambda layer: (-scores[layer], layer))
    return sorted(ranked[:k])
