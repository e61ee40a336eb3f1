"""train: a synthetic dataset -> a standard PEFT (LoRA / QLoRA) adapter, its log and records.

Public entry point: `run(dataset_dir, recipe, out_dir)`.
"""

from __future__ import annotations

from ._errors import TrainError
from ._prompt import FORMATS, build_completion, build_prompt
from ._recipe import RECIPES, Recipe, find_recipe, load_recipe, recipe_paths, seed_gaps, seed_settings
from ._sources import ModelSource, cache_dir, registry, resolve_model

__all__ = [
    "FORMATS",
    "ModelSource",
    "RECIPES",
    "Recipe",
    "TrainError",
    "build_completion",
    "build_prompt",
    "cache_dir",
    "find_recipe",
    "load_recipe",
    "recipe_paths",
    "seed_gaps",
    "seed_settings",
    "registry",
    "resolve_model",
    "run",
]


def __getattr__(name: str):
    # The training step imports the Trainer, peft and bitsandbytes; load them only when used.
    if name == "run":
        from ._run import run

        return run
    raise AttributeError(f"module 'train' has no attribute {name!r}")
