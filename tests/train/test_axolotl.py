"""`bench recipe import`: an axolotl config becomes a valid recipe, every key either mapped or listed
with a reason (in the terminal and in the recipe's comments); bad configs are one-line errors."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.conftest import REPO, run_bench
from train import load_recipe
from train._axolotl import convert

CONFIG = Path(__file__).parent / "data" / "axolotl_bank_qlora.yml"


def test_every_key_is_mapped_or_listed_with_a_reason():
    config = yaml.safe_load(CONFIG.read_text())
    imported = convert(config)
    seen = {k.split(".")[0] for k in [*imported.mapped, *imported.ignored] if k != "datasets[].type"}
    assert seen == set(config)  # nothing dropped unsaid
    assert set(imported.ignored["bnb_config_kwargs.llm_int8_has_fp16_weight"].split()) >= {"not"}
    assert imported.recipe["lora_target_modules"] == "all-linear"
    assert imported.recipe["lora_layers_to_transform"] == list(range(14, 28))
    assert imported.recipe["prompt_format"] == "alpaca"  # from the datasets' type
    assert imported.recipe["bnb_4bit_quant_type"] == "nf4"
    assert "warmup_ratio" in imported.ignored["warmup_steps"]
    assert imported.ignored["wandb_project"] == "no value in the config"
    assert "synth stage" in imported.ignored["datasets"]


def test_import_writes_a_recipe_that_trains_as_the_config_says(tmp_path):
    out = tmp_path / "recipes" / "bank.yaml"
    res = run_bench("recipe", "import", str(CONFIG), "--out", str(out), cwd=REPO)
    assert res.returncode == 0, res.stderr
    assert "not imported: warmup is given as warmup_ratio only" in res.stdout
    recipe = load_recipe(out)
    assert (recipe.base_model, recipe.adapter, recipe.load_in_4bit) == (
        "meta-llama/Llama-3.2-3B-Instruct",
        "qlora",
        True,
    )
    assert (recipe.lora_r, recipe.lora_alpha, recipe.lora_dropout, recipe.lora_target_modules) == (
        8,
        16,
        0.05,
        "all-linear",
    )
    assert (recipe.micro_batch_size, recipe.gradient_accumulation_steps, recipe.num_epochs) == (2, 4, 4)
    assert (recipe.learning_rate, recipe.optimizer, recipe.sequence_len) == (2e-5, "paged_adamw_8bit", 4000)
    assert recipe.gradient_checkpointing and recipe.bf16 == "auto" and recipe.group_by_length is False
    text = out.read_text()
    assert "#   load_in_8bit: false: nothing to import" in text
    assert "#   warmup_steps: warmup is given as warmup_ratio only" in text
    again = run_bench("recipe", "import", str(CONFIG), "--out", str(out), cwd=REPO)
    assert again.returncode == 2 and "exists (--force replaces it)" in again.stderr


def test_bad_configs_are_one_line_errors(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("lora_r: 8\n")
    res = run_bench("recipe", "import", str(bad), "--out", str(tmp_path / "r.yaml"), cwd=REPO)
    assert res.returncode == 2 and "needs base_model" in res.stderr and len(res.stderr.strip().splitlines()) == 1
    bad.write_text("base_model: x\nlora_r: 0\n")
    res = run_bench("recipe", "import", str(bad), "--out", str(tmp_path / "r.yaml"), cwd=REPO)
    assert res.returncode == 2 and "not valid: lora_r" in res.stderr and not (tmp_path / "r.yaml").exists()
    assert not list(tmp_path.glob(".r.*"))  # nothing half-written left
    res = run_bench("recipe", "import", str(tmp_path / "missing.yml"), cwd=REPO)
    assert res.returncode == 2 and "file not found" in res.stderr


def test_values_yaml_reads_as_strings_and_other_shapes_are_converted_or_listed():
    imported = convert({"base_model": "x", "learning_rate": "2e-5", "num_epochs": "3", "peft_layers_to_transform": 3,
                        "lora_target_modules": "q_proj|v_proj", "adapter": None})  # fmt: skip
    assert imported.recipe["learning_rate"] == 2e-5 and imported.recipe["num_epochs"] == 3
    assert imported.recipe["lora_layers_to_transform"] == [3]
    assert "module pattern" in imported.ignored["lora_target_modules"]
    assert "full fine-tune" in imported.ignored["adapter"]
