"""Precision, chosen by device and written down: what the weights are stored in, what the matmuls
run in, and whether bf16 mixed precision is on. On a CUDA GPU with bf16 the defaults use it; on a
CPU every default is float32, because bf16 results differ between CPU kernels (AMX, AVX512-BF16 or
neither) and the project promises the same numbers on two machines. bf16 on a CPU is an explicit
choice, and it is in the stage key because the recipe and the answer settings are."""

from __future__ import annotations

import torch

from ._recipe import Recipe


def gpu_has_bf16() -> bool:
    return torch.cuda.is_available() and torch.cuda.is_bf16_supported()


def load_dtype(name: str) -> torch.dtype:
    """A weights dtype by name; "auto" is bfloat16 on a GPU that has it, else float32."""
    if name == "auto":
        return torch.bfloat16 if gpu_has_bf16() else torch.float32
    return getattr(torch, name)


def compute_dtype(recipe: Recipe) -> torch.dtype:
    """The dtype a 4-bit layer's matmuls run in."""
    return load_dtype(recipe.bnb_4bit_compute_dtype)


def mixed_bf16(recipe: Recipe) -> bool:
    """Whether training runs under bf16 autocast (TrainingArguments.bf16)."""
    return gpu_has_bf16() if recipe.bf16 == "auto" else bool(recipe.bf16)


def training_precision(recipe: Recipe) -> dict:
    """What a training run actually used, for metrics.json."""
    quantized = recipe.adapter == "qlora" and recipe.load_in_4bit
    weights = str(load_dtype(recipe.torch_dtype)).removeprefix("torch.")
    return {
        "base_weights": recipe.bnb_4bit_quant_type if quantized else weights,
        "matmul": str(compute_dtype(recipe)).removeprefix("torch.") if quantized else weights,
        "adapter_weights": "float32",
        "mixed_precision": "bf16" if mixed_bf16(recipe) else None,
    }
