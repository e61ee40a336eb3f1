"""Each shared recipe end to end (data -> train -> answers -> scores -> results) with its own code
path, on a tiny stand-in model and two steps: chat, alpaca and instruction prompts, seq2seq (the
Flan-T5 recipe on a tiny T5), QLoRA and plain LoRA, SNR layer selection, gradient checkpointing, a
paged 8-bit optimizer (its CPU fallback, recorded) and the merge contestant."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.bench.test_run import args_for
from tests.conftest import REPO, run_bench
from tests.judge.fault_server import FaultServer
from train import RECIPES, load_recipe

NAMES = sorted(p.stem for p in RECIPES.glob("*.yaml"))


@pytest.mark.parametrize("name", NAMES)
def test_the_recipe_runs_end_to_end_on_a_tiny_model(tmp_path, name, tiny_llama, tiny_t5):
    recipe = load_recipe(RECIPES / f"{name}.yaml")
    stand_in = tiny_t5 if "t5" in recipe.base_model else tiny_llama
    env = {"DOMAINBENCH_HOME": str(tmp_path / "home")}
    results = tmp_path / "results"
    with FaultServer() as server:
        args = args_for(RECIPES / f"{name}.yaml", server, results, "--models", str(stand_in), "--max-steps", "2")
        args[args.index("--max-items") + 1] = "4"
        res = run_bench(*args, cwd=REPO, env=env)
    assert res.returncode == 0, res.stderr[-3000:]
    [run] = list((results / "banking").glob("*/results.json"))
    record = json.loads(run.read_text())
    expected = ["base", "tuned", "merged"] if recipe.merge else ["base", "tuned"]
    assert list(record["results"]) == expected
    config = record["config"]
    assert config["recipe"]["name"] == name and config["recipe"]["overrides"]["max_steps"] == 2
    assert config["prompt_format"] == (recipe.prompt_format if recipe.prompt_format != "auto" else "chat")
    train_dir = Path(record["stages"]["train"]["path"])
    metrics = json.loads((train_dir / "metrics.json").read_text())
    assert metrics["steps"] == 2
    if recipe.layer_selection:
        assert (train_dir / "layer_scores.json").is_file()
    if recipe.optimizer != "adamw_torch":
        assert any("needs CUDA" in n for n in metrics.get("notes", [])), metrics.get("notes")
    assert record["results"]["tuned"]["cosine"]["n"] == 4
