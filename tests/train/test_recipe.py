"""Recipes: every shipped recipe parses; bad values are named with file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from synth import DomainError
from tests.conftest import BANKING
from train import load_recipe

RECIPES = sorted((BANKING / "recipes").glob("*.yaml"))


def test_a_recipe_per_seed_system_plus_default():
    names = {p.stem for p in RECIPES}
    assert names >= {
        "default",
        "bankllama",
        "llama_finance",
        "flan_t5_banking",
        "llama2_evidence_qa",
        "llama3_alpaca",
    }
    systems = {load_recipe(p).seed_system.split(":")[0] for p in RECIPES if load_recipe(p).seed_system}
    assert systems == {"1", "2", "3", "4", "5"}


@pytest.mark.parametrize("path", RECIPES, ids=lambda p: p.stem)
def test_shipped_recipes_parse(path: Path):
    recipe = load_recipe(path)
    assert recipe.name == path.stem and recipe.learning_rate > 0


def test_seed_system_settings_are_kept():
    bankllama = load_recipe(BANKING / "recipes" / "bankllama.yaml")
    assert bankllama.base_model == "meta-llama/Llama-3.2-3B-Instruct"
    assert (bankllama.lora_r, bankllama.lora_alpha, bankllama.lora_dropout) == (8, 16, 0.05)
    assert bankllama.layer_selection == {"method": "snr", "fraction": 0.5}
    t5 = load_recipe(BANKING / "recipes" / "flan_t5_banking.yaml")
    assert t5.lora_target_modules == ["q", "v"] and t5.learning_rate == 3e-4


def test_overrides_are_recorded():
    r = load_recipe(BANKING / "recipes" / "bankllama.yaml").with_overrides(base_model="smollm2-135m", max_steps=3)
    assert r.base_model == "smollm2-135m" and r.overrides == {"base_model": "smollm2-135m", "max_steps": 3}


@pytest.mark.parametrize(
    "text, message",
    [
        ("base_model: x\nlearning_rate: 0\n", "must be greater than 0"),
        ("base_model: x\nlearning_rate: -0.1\n", "must be greater than 0"),
        ("base_model: x\nlora_rank: 8\n", "unknown key"),
        ("learning_rate: 0.1\n", "base_model"),
        ("base_model: x\nadapter: dora\n", "adapter"),
    ],
)
def test_bad_recipes_name_the_line(tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(DomainError) as info:
        load_recipe(path)
    assert message in str(info.value) and "bad.yaml" in str(info.value)
    if "learning_rate" in text and "base_model: x" in text:
        assert info.value.line == 2
