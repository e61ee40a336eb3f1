"""Merge an adapter back into float base weights (seed system 5), for engines without LoRA."""

from __future__ import annotations

from pathlib import Path

from ._model import load_base, load_tokenizer
from ._sources import ModelSource


def merge_adapter(source: ModelSource, adapter_dir: Path, out: Path) -> None:
    from peft import PeftModel

    base = load_base(source, quantize=False)
    merged = PeftModel.from_pretrained(base, str(adapter_dir)).merge_and_unload()
    merged.save_pretrained(out, safe_serialization=True)
    load_tokenizer(source).save_pretrained(out)
