"""QLoRA must train with the true gradient: compare with a float model holding the same
de-quantized weights, also after an evaluation pass (which once broke it on AVX512-BF16 CPUs)."""

from __future__ import annotations

import torch

from train import Recipe, resolve_model
from train._model import prepare


def _lora_grads(model, batch) -> dict[str, torch.Tensor]:
    model.zero_grad()
    model(**batch).loss.backward()
    return {n: p.grad.detach().clone() for n, p in model.named_parameters() if p.requires_grad}


def test_qlora_gradients_match_a_float_model_with_the_dequantized_weights(tiny_llama):
    import bitsandbytes as bnb
    import bitsandbytes.functional as bf

    source = resolve_model(str(tiny_llama))
    recipe = Recipe(base_model=str(tiny_llama), lora_r=4, lora_dropout=0.0)
    qmodel, _ = prepare(source, recipe, layers=None)
    fmodel, _ = prepare(
        source,
        Recipe(base_model=str(tiny_llama), adapter="lora", load_in_4bit=False, lora_r=4, lora_dropout=0.0),
        layers=None,
    )
    # Same weights: copy the de-quantized 4-bit weights and the LoRA init into the float model.
    fmods = dict(fmodel.named_modules())
    for name, mod in qmodel.named_modules():
        if isinstance(mod, bnb.nn.Linear4bit):
            fmods[name].weight.data = bf.dequantize_4bit(mod.weight.data, mod.weight.quant_state).float()
    fmodel.load_state_dict({k: v for k, v in qmodel.state_dict().items() if "lora_" in k}, strict=False)
    with torch.no_grad():
        for p in list(qmodel.parameters()):
            if p.requires_grad:
                p.add_(torch.randn_like(p) * 0.05)  # make B non-zero so every path carries gradient
        fmodel.load_state_dict({k: v for k, v in qmodel.state_dict().items() if "lora_" in k}, strict=False)

    ids = torch.randint(5, 90, (2, 24))
    batch = {"input_ids": ids, "attention_mask": torch.ones_like(ids), "labels": ids}
    qmodel.eval()
    with torch.no_grad():
        qmodel(**batch)  # an evaluation pass first, as the trainer does for the base loss
    qmodel.train()
    fmodel.train()
    gq, gf = _lora_grads(qmodel, batch), _lora_grads(fmodel, batch)
    assert gq.keys() == gf.keys() and gq
    for name in gq:
        assert torch.allclose(gq[name], gf[name], rtol=1e-3, atol=1e-5), name
