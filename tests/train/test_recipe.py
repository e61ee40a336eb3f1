"""Recipes: every shipped recipe parses; bad values are named with file and line; a domain's own
recipe of a name replaces the shared one; each seed system's recipe matches its published settings
field by field, or declares the difference with a reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench._train_stage import recipe_path
from synth import DomainError
from tests.conftest import BANKING
from train import RECIPES as SHARED
from train import TrainError, find_recipe, load_recipe, recipe_paths, seed_gaps, seed_settings

RECIPES = sorted(SHARED.glob("*.yaml"))


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
    bankllama = load_recipe(SHARED / "bankllama.yaml")
    assert bankllama.base_model == "meta-llama/Llama-3.2-3B-Instruct"
    assert (bankllama.lora_r, bankllama.lora_alpha, bankllama.lora_dropout) == (8, 16, 0.05)
    assert bankllama.layer_selection == {"method": "snr", "fraction": 0.5}
    t5 = load_recipe(SHARED / "flan_t5_banking.yaml")
    assert t5.lora_target_modules == ["q", "v"] and t5.learning_rate == 3e-4


def test_overrides_are_recorded():
    r = load_recipe(SHARED / "bankllama.yaml").with_overrides(base_model="smollm2-135m", max_steps=3)
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


def test_every_seed_recipe_matches_its_published_settings_or_says_why():
    seeds = seed_settings()
    assert sorted(seeds) == ["1", "2", "3", "4", "5"]
    for number, seed in seeds.items():
        recipe = load_recipe(SHARED / f"{seed['recipe']}.yaml")
        assert recipe.seed_system.split(":")[0] == number
        gaps = seed_gaps(recipe)
        undeclared = {k: v for k, v in gaps.items() if not v["declared"]}
        assert not undeclared, f"{recipe.name} differs from seed {number} without a reason: {undeclared}"
        stale = set(recipe.differences) - set(gaps)
        assert not stale, f"{recipe.name} declares differences it does not have: {stale}"
    finance = load_recipe(SHARED / "llama_finance.yaml")
    assert (finance.adapter, finance.load_in_4bit, finance.optimizer) == ("lora", False, "paged_adamw_8bit")
    assert finance.gradient_checkpointing and set(seed_gaps(finance)) == {"torch_dtype"}
    assert load_recipe(SHARED / "llama2_evidence_qa.yaml").base_model == "NousResearch/Llama-2-7b-chat-hf"
    assert load_recipe(SHARED / "llama3_alpaca.yaml").merge


def test_an_undeclared_difference_is_found(tmp_path):
    path = tmp_path / "bankllama.yaml"
    path.write_text((SHARED / "bankllama.yaml").read_text().replace("lora_r: 8", "lora_r: 16"))
    gaps = seed_gaps(load_recipe(path))
    assert gaps == {"lora_r": {"seed": 8, "recipe": 16, "declared": None}}
    path.write_text(path.read_text() + "differences:\n  lora_r: a larger rank fits the small model better\n")
    assert seed_gaps(load_recipe(path))["lora_r"]["declared"].startswith("a larger rank")


def test_a_difference_must_name_a_setting(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text("base_model: x\ndifferences:\n  lora_rank: because it is better this way\n")
    with pytest.raises(DomainError) as info:
        load_recipe(path)
    assert "'lora_rank' is not a recipe setting" in str(info.value) and info.value.line == 3


def test_a_domain_recipe_replaces_the_shared_one_of_its_name(tmp_path):
    domain = tmp_path / "dom"
    (domain / "recipes").mkdir(parents=True)
    (domain / "recipes" / "default.yaml").write_text("base_model: smollm2-135m\nlora_r: 4\n")
    (domain / "recipes" / "mine.yaml").write_text("base_model: smollm2-135m\n")
    assert recipe_path(domain, "default") == domain / "recipes" / "default.yaml"
    assert recipe_path(domain, "llama_finance") == SHARED / "llama_finance.yaml"  # every domain has the shared ones
    assert recipe_path(BANKING, "default") == SHARED / "default.yaml"
    assert find_recipe("mine", domain) and find_recipe("mine", BANKING) is None
    assert set(recipe_paths(domain)) == {p.stem for p in RECIPES} | {"mine"}
    with pytest.raises(TrainError, match="unknown recipe 'nope'.*known: bankllama"):
        recipe_path(domain, "nope")
