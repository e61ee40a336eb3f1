"""Merge an adapter back into the base weights (seed system 5), for engines without LoRA: merged in
float32 (exact up to rounding), then saved in the base checkpoint's own dtype, so a bf16 base gives a
bf16 merged model of the base's size rather than a float32 one twice as large."""

from __future__ import annotations

from pathlib import Path

import torch

from ._model import load_base, load_tokenizer
from ._sources import ModelSource, read_model_facts

SAFETENSORS_DTYPES = {"F32": torch.float32, "BF16": torch.bfloat16, "F16": torch.float16}


def checkpoint_dtype(source: ModelSource) -> torch.dtype:
    """The dtype the base's safetensors hold (float32 where they mix dtypes or none is known)."""
    stored = read_model_facts(source.path)["dtype"]
    return SAFETENSORS_DTYPES.get(stored, torch.float32)


def merge_adapter(source: ModelSource, adapter_dir: Path, out: Path) -> dict:
    """Write base + adapter merged into `out` (safetensors and the tokenizer); returns what was written."""
    from peft import PeftModel

    base = load_base(source, quantize=False)  # float32: the merge itself loses nothing
    merged = PeftModel.from_pretrained(base, str(adapter_dir)).merge_and_unload()
    dtype = checkpoint_dtype(source)
    merged.to(dtype).save_pretrained(out, safe_serialization=True)
    load_tokenizer(source).save_pretrained(out)
    return {"path": str(out), "dtype": str(dtype).removeprefix("torch."), "merged_in": "float32"}
