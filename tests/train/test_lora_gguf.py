"""Integration: a PEFT LoRA adapter on the shipped SmolLM2, written as a LoRA GGUF, changes
llama.cpp's next-token distribution the way transformers + peft says it does (q and k included,
whose rows llama.cpp stores permuted)."""

from __future__ import annotations

import json

import pytest
import torch

from train import resolve_model
from train._lora_gguf import lora_to_gguf
from train._sources import gguf_path

PROMPT = "<|im_start|>user\nIs a frozen card usable? Reply yes or no.<|im_end|>\n<|im_start|>assistant\n"


def _hf_top(model, tok, k=20) -> dict[str, float]:
    ids = tok(PROMPT, return_tensors="pt", add_special_tokens=False)["input_ids"]
    with torch.no_grad():
        logits = model(ids).logits[0, -1].float()
    logp = torch.log_softmax(logits, -1)
    top = torch.topk(logp, k)
    return {tok.decode([int(i)]): float(v) for v, i in zip(top.values, top.indices, strict=True)}


def _llama_top(gguf, lora=None, k=20) -> dict[str, float]:
    from llama_cpp import Llama

    llm = Llama(model_path=str(gguf), lora_path=str(lora) if lora else None, n_ctx=256, n_threads=2,
                logits_all=True, verbose=False, seed=0)  # fmt: skip
    out = llm.create_completion(PROMPT, max_tokens=1, temperature=0, logprobs=k)
    llm.close()
    return out["choices"][0]["logprobs"]["top_logprobs"][0]


@pytest.mark.integration
def test_lora_gguf_matches_peft(tmp_path):
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    source = resolve_model("smollm2-135m")
    tok = AutoTokenizer.from_pretrained(source.path)
    model = AutoModelForCausalLM.from_pretrained(source.path, dtype=torch.float32)
    before = _hf_top(model, tok)
    config = LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "up_proj"],
                        layers_to_transform=[26, 27, 28, 29], init_lora_weights=False)  # fmt: skip
    model = get_peft_model(model, config)
    torch.manual_seed(0)
    with torch.no_grad():  # a LoRA strong enough to move the distribution visibly
        for name, p in model.named_parameters():
            if "lora_" in name:
                p.copy_(torch.randn_like(p) * (0.1 if "lora_B" in name else 0.3))
    after = _hf_top(model, tok)
    model.save_pretrained(tmp_path / "adapter", safe_serialization=True)
    lora = lora_to_gguf(tmp_path / "adapter", source.path / "config.json", tmp_path / "lora.gguf")
    assert json.loads((tmp_path / "adapter" / "adapter_config.json").read_text())["r"] == 4

    served = _llama_top(gguf_path("smollm2-135m"), lora)
    plain = _llama_top(gguf_path("smollm2-135m"))

    def distance(x: dict, y: dict) -> float:
        shared = set(x) & set(y)
        assert len(shared) >= 5, (x, y)
        return sum(abs(x[t] - y[t]) for t in shared) / len(shared)

    shift = distance(after, before)  # what the adapter does to transformers' distribution
    assert shift > 0.3
    # llama.cpp with the LoRA GGUF lands where transformers + peft does (the base is Q4_1 there,
    # float32 here: `plain` vs `before` is that quantisation's own noise)
    assert distance(served, after) < shift / 3
    assert distance(served, after) < distance(served, before)
    assert distance(plain, before) < shift / 3
