"""`bench run --answers-engine llama.cpp`: base and tuned answered by one llama.cpp server on loopback
(the built-in model's GGUF, the trained adapter as a LoRA GGUF on top), recorded as such; a model
without a GGUF fails in one line before any stage runs."""

from __future__ import annotations

import json

import pytest

from tests.bench.test_run import args_for
from tests.conftest import REPO, run_bench
from tests.judge.fault_server import FaultServer


@pytest.mark.integration
def test_base_and_tuned_are_answered_by_the_llama_cpp_server(tmp_path):
    recipe = tmp_path / "one-step.yaml"
    recipe.write_text(
        "base_model: smollm2-135m\nsequence_len: 512\nmicro_batch_size: 2\nmax_steps: 1\n"
        "eval_steps: 1\nmax_eval_samples: 2\nlora_r: 4\n"
    )
    env = {"DOMAINBENCH_HOME": str(tmp_path / "home")}
    results = tmp_path / "results"
    with FaultServer() as server:
        args = args_for(recipe, server, results, "--answers-engine", "llama.cpp")
        res = run_bench(*args, cwd=REPO, env=env)
    assert res.returncode == 0, res.stderr[-3000:]
    [run] = list((results / "banking").glob("*/results.json"))
    record = json.loads(run.read_text())
    by = {name: record["config"]["contestants"][name]["answered_by"] for name in ("base", "tuned")}
    assert by["base"]["kind"] == by["tuned"]["kind"] == "endpoint"
    assert by["base"]["endpoint"].startswith("llama.cpp:") and "+lora:" not in by["base"]["endpoint"]
    assert "+lora:" in by["tuned"]["endpoint"]
    assert record["results"]["tuned"]["cosine"]["n"] == 8


def test_a_model_without_gguf_fails_before_any_stage(tmp_path, tiny_llama):
    recipe = tmp_path / "tiny.yaml"
    recipe.write_text(f"base_model: {tiny_llama}\nsequence_len: 512\nmax_steps: 1\nlora_r: 4\n")
    home = tmp_path / "home"
    with FaultServer() as server:
        res = run_bench(*args_for(recipe, server, tmp_path / "r", "--answers-engine", "llama.cpp"),
                        cwd=REPO, env={"DOMAINBENCH_HOME": str(home)})  # fmt: skip
    assert res.returncode == 2 and "GGUF" in res.stderr, res.stderr[-2000:]
    assert len(res.stderr.strip().splitlines()) == 1
    assert not list(home.glob("banking/synth-*"))


def test_an_unknown_engine_is_one_line(tmp_path, tiny_llama):
    res = run_bench("run", "banking", "--answers-engine", "vllm", cwd=REPO, env={"DOMAINBENCH_HOME": str(tmp_path)})
    assert res.returncode != 0 and "--answers-engine" in res.stderr
