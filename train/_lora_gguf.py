"""A PEFT LoRA adapter as a llama.cpp LoRA GGUF, so llama.cpp's server applies it on top of the
shipped base GGUF (`lora_path`): the domain verifier, and a tuned contestant served for answers.
Written with `gguf` (llama.cpp's own Python package, already a
dependency) rather than llama.cpp's `convert_lora_to_gguf.py`: that script ships only in the
llama-cpp-python source tree (not in the installed package) and imports the whole HF converter.
What it does for a LoRA, this does too: the adapter metadata, llama.cpp's tensor names from gguf's
own name map, and llama's rotary permutation of q and k applied to lora_B (delta W = B A, and
llama.cpp stores q and k with their rows permuted). tests/train/test_lora_gguf.py checks the served logprobs
against transformers + peft on the same prompt."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ._errors import TrainError

PERMUTED = ("llama",)  # the architectures whose q/k rows llama.cpp's converter permutes (checked: llama)
ALIASES = {"gemma3_text": "gemma3"}  # Hugging Face model_type -> llama.cpp architecture, where they differ


class AdapterConversionError(TrainError):
    """The adapter cannot be written for llama.cpp (the CLI prints it as one line, exit 2)."""


def _permute(weights: np.ndarray, n_head: int, n_head_kv: int | None) -> np.ndarray:
    """llama.cpp's LlamaModel.permute, on the rows of a (out, r) lora_B."""
    if n_head_kv is not None and n_head != n_head_kv:
        n_head = n_head_kv
    return (
        weights.reshape(n_head, 2, weights.shape[0] // n_head // 2, *weights.shape[1:])
        .swapaxes(1, 2)
        .reshape(weights.shape)
    )


def _arch(model_type: str):
    import gguf

    model_type = ALIASES.get(model_type, model_type)
    for arch, name in gguf.MODEL_ARCH_NAMES.items():
        if name == model_type:
            return arch, name
    raise AdapterConversionError(f"llama.cpp has no architecture '{model_type}' for a LoRA GGUF")


def check_convertible(base_config: Path) -> None:
    """Raise AdapterConversionError now, before any training, if the base model's adapter could not
    be written for llama.cpp."""
    _arch(json.loads(Path(base_config).read_text())["model_type"])


def lora_to_gguf(adapter_dir: Path, base_config: Path, out: Path) -> Path:
    """Write `out` (a LoRA GGUF, float32) from a PEFT adapter folder and the base model's config.json."""
    import gguf
    from safetensors.numpy import load_file

    adapter_dir, out = Path(adapter_dir), Path(out)
    config = json.loads(Path(base_config).read_text())
    lora = json.loads((adapter_dir / "adapter_config.json").read_text())
    if lora.get("use_rslora") or lora.get("use_dora"):
        raise AdapterConversionError("rsLoRA and DoRA adapters are not converted (llama.cpp scales by alpha / r)")
    arch, arch_name = _arch(config["model_type"])
    n_layers = config["num_hidden_layers"]
    names = gguf.get_tensor_name_map(arch, n_layers)
    n_head, n_kv = config["num_attention_heads"], config.get("num_key_value_heads")
    tensors = load_file(str(adapter_dir / "adapter_model.safetensors"))
    pairs: dict[str, dict[str, np.ndarray]] = {}
    for name, value in tensors.items():
        # base_model.model.model.layers.3.self_attn.q_proj.lora_A.weight -> model.layers.3.self_attn.q_proj
        module, _, part = name.removeprefix("base_model.model.").rpartition(".lora_")
        if part not in ("A.weight", "B.weight"):
            raise AdapterConversionError(
                f"{name}: not a lora_A / lora_B tensor (embeddings or heads are not supported)"
            )
        pairs.setdefault(module, {})[part[0]] = value.astype(np.float32)
    tmp = out.with_suffix(".partial")
    writer = gguf.GGUFWriter(str(tmp), arch_name)
    writer.add_type(gguf.GGUFType.ADAPTER)
    writer.add_string(gguf.Keys.Adapter.TYPE, "lora")
    writer.add_float32(gguf.Keys.Adapter.LORA_ALPHA, float(lora["lora_alpha"]))
    for module in sorted(pairs):
        target = names.get_name(module)
        if target is None:
            raise AdapterConversionError(f"{module}: no llama.cpp tensor of architecture {arch_name} matches it")
        a, b = pairs[module]["A"], pairs[module]["B"]
        if arch_name in PERMUTED and module.endswith("q_proj"):
            b = _permute(b, n_head, n_head)
        elif arch_name in PERMUTED and module.endswith("k_proj"):
            b = _permute(b, n_head, n_kv)
        writer.add_tensor(f"{target}.weight.lora_a", np.ascontiguousarray(a))
        writer.add_tensor(f"{target}.weight.lora_b", np.ascontiguousarray(b))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    tmp.rename(out)
    return out
