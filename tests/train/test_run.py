"""The training step end to end on tiny models: adapter, log, records, resume, merge, seq2seq."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

import synth
from tests.conftest import BANKING, REPO
from tests.tiny_models import make_tiny_llama, tiny_recipe
from train import TrainError, run


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("ds")
    synth.build(BANKING, synth.SynthSettings.sized(40, seed=0), out)
    return out


def test_qlora_run_writes_a_standard_adapter_that_lowers_validation_loss(dataset, tiny_llama, tmp_path):
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    out = tmp_path / "run"
    m = run(
        dataset,
        tiny_recipe(tiny_llama, layer_selection={"method": "snr", "fraction": 0.5}),
        out,
        merge=True,
        progress=False,
    )
    assert m["tuned_eval_loss"] < m["base_eval_loss"]
    assert m["steps"] == 6 and len(m["lora_layers"]) == 2 and 0 < m["padding_fraction"] < 1
    for name in (
        "adapter/adapter_config.json",
        "adapter/adapter_model.safetensors",
        "train_log.jsonl",
        "loss_curve.png",
        "metrics.json",
        "layer_scores.json",
        "merged/model.safetensors",
    ):
        assert (out / name).is_file(), name
    assert not (out / "checkpoints").exists()
    # The config's bytes do not depend on the process's string hashing (peft writes a set).
    config = json.loads((out / "adapter" / "adapter_config.json").read_text())
    assert config["target_modules"] == sorted(config["target_modules"]) and len(config["target_modules"]) > 1
    log = [json.loads(line) for line in (out / "train_log.jsonl").read_text().splitlines()]
    steps = [r for r in log if "loss" in r]
    assert len(steps) == 6 and all({"learning_rate", "grad_norm", "tokens", "tokens_per_s"} <= r.keys() for r in steps)
    # The adapter loads the standard way, and merged weights give the same logits as base + adapter.
    base = AutoModelForCausalLM.from_pretrained(tiny_llama)
    tuned = PeftModel.from_pretrained(base, out / "adapter").eval()
    merged = AutoModelForCausalLM.from_pretrained(out / "merged").eval()
    ids = torch.randint(5, 90, (1, 16))
    with torch.no_grad():
        assert torch.allclose(tuned(ids).logits, merged(ids).logits, atol=1e-4)
        with tuned.disable_adapter():
            assert not torch.allclose(tuned(ids).logits, merged(ids).logits, atol=1e-4)


def test_sample_packing_trains_padding_free_and_the_precision_is_recorded(dataset, tiny_llama, tmp_path):
    m = run(dataset, tiny_recipe(tiny_llama, sample_packing=True), tmp_path / "packed", progress=False)
    assert m["sample_packing"] and m["padding_fraction"] == 0.0 and m["steps"] == 6
    assert m["tuned_eval_loss"] < m["base_eval_loss"]
    assert m["effective_batch"] == 4 and m["world_size"] == 1
    # on a CPU the defaults are float32 throughout: bf16 only when the recipe says so
    assert m["precision"] == {"base_weights": "nf4", "matmul": "float32", "adapter_weights": "float32",
                              "mixed_precision": None}  # fmt: skip
    explicit = run(dataset, tiny_recipe(tiny_llama, adapter="lora", load_in_4bit=False, bf16=True, max_steps=2),
                   tmp_path / "bf16", progress=False)  # fmt: skip
    assert explicit["precision"]["mixed_precision"] == "bf16" and explicit["precision"]["base_weights"] == "float32"


def test_seq2seq_t5_trains_through_the_same_step(dataset, tiny_t5, tmp_path):
    m = run(
        dataset,
        tiny_recipe(
            tiny_t5,
            adapter="lora",
            load_in_4bit=False,
            lora_target_modules=["q", "v"],
            prompt_format="instruction",
        ),
        tmp_path / "t5",
        progress=False,
    )
    assert m["model"]["model_type"] == "seq2seq" and m["lora_targets"] == ["q", "v"]
    assert m["tuned_eval_loss"] < m["base_eval_loss"]
    config = json.loads((tmp_path / "t5" / "adapter" / "adapter_config.json").read_text())
    assert config["task_type"] == "SEQ_2_SEQ_LM"


def test_bad_inputs(dataset, tiny_llama, tmp_path):
    with pytest.raises(TrainError, match="no dataset"):
        run(tmp_path / "nothing", tiny_recipe(tiny_llama), tmp_path / "a", progress=False)
    with pytest.raises(TrainError, match="unknown model spec 'no-such-model'"):
        run(dataset, tiny_recipe(tiny_llama, base_model="no-such-model"), tmp_path / "b", progress=False)
    with pytest.raises(TrainError, match="'wq' is not a linear module"):
        run(dataset, tiny_recipe(tiny_llama, lora_target_modules=["wq"]), tmp_path / "c", progress=False)
    with pytest.raises(TrainError, match="not available here"):
        run(dataset, tiny_recipe(tiny_llama, base_model="no-org/no-model"), tmp_path / "d", progress=False)


def test_killed_training_resumes_and_a_finished_one_is_reused(tmp_path):
    """SIGKILL the real CLI mid-run, rerun the same command: it continues from the checkpoint."""
    model = make_tiny_llama(tmp_path / "slow-llama", layers=6)  # a little slower, so the kill lands mid-run
    recipe = tmp_path / "r.yaml"
    recipe.write_text(
        f"base_model: {model}\nadapter: lora\nload_in_4bit: false\nsequence_len: 1024\n"
        "micro_batch_size: 4\nmax_steps: 40\neval_steps: 2\nmax_eval_samples: 4\nlora_r: 4\n"
    )
    env = {"DOMAINBENCH_HOME": str(tmp_path / "home")}
    cmd = [sys.executable, "-m", "bench", "train", "banking", "--recipe", str(recipe), "--size", "40"]
    import os

    from train._checkpoints import is_complete

    proc = subprocess.Popen(
        cmd, cwd=REPO, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    deadline = time.time() + 300
    while time.time() < deadline and proc.poll() is None:
        done = (tmp_path / "home" / "banking").glob(".train-*.partial/checkpoints/checkpoint-*")
        if any(is_complete(folder) for folder in done):
            break
        time.sleep(0.05)
    assert proc.poll() is None, "training finished before it could be killed: " + proc.stdout.read()[-2000:]
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    [partial] = list((tmp_path / "home" / "banking").glob(".train-*.partial"))
    assert not list((tmp_path / "home" / "banking").glob("train-*")), "a killed run must not look finished"
    res = subprocess.run(cmd, cwd=REPO, env={**os.environ, **env}, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    [final] = list((tmp_path / "home" / "banking").glob("train-*"))
    metrics = json.loads((final / "metrics.json").read_text())
    assert metrics["resumed_from"] and metrics["steps"] == 40
    log = (final / "train_log.jsonl").read_text()
    assert '"event": "resume"' in log and not partial.exists()
    again = subprocess.run(cmd, cwd=REPO, env={**os.environ, **env}, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0 and "reused" in again.stdout


def test_a_half_written_checkpoint_is_skipped(tmp_path):
    from train._checkpoints import last_complete_checkpoint

    root = tmp_path / "checkpoints"
    for step, state in ((2, '{"global_step": 2}'), (4, '{"global_st'), (6, None)):
        folder = root / f"checkpoint-{step}"
        folder.mkdir(parents=True)
        (folder / "adapter_model.safetensors").write_bytes(b"x")
        if state is not None:
            (folder / "trainer_state.json").write_text(state)
    assert last_complete_checkpoint(root) == str(root / "checkpoint-2")
    assert sorted(p.name for p in root.iterdir()) == ["checkpoint-2"]
    assert last_complete_checkpoint(tmp_path / "none") is None


def test_a_rerun_cuts_the_train_log_back_to_its_checkpoint(tmp_path):
    """Steps after the resumed-from checkpoint are logged again by the rerun, so their old lines go
    (a torn last line too); a fresh start keeps only the base evaluation's step-0 record."""
    from types import SimpleNamespace

    from train._log import JsonlLogCallback, read_log

    log = tmp_path / "train_log.jsonl"
    log.write_text(
        '{"step": 0, "eval_loss": 3.0}\n{"step": 5, "loss": 2.5}\n{"step": 5, "eval_loss": 2.6}\n'
        '{"step": 6, "loss": 2.4}\n{"step": 7, "lo'  # killed mid-line
    )
    kept = [{"step": 0, "eval_loss": 3.0}, {"step": 5, "loss": 2.5}, {"step": 5, "eval_loss": 2.6}]
    callback = JsonlLogCallback(log)
    state = SimpleNamespace(global_step=5, epoch=0.1, num_input_tokens_seen=100, is_world_process_zero=True)
    callback.on_train_begin(None, state, None)  # resumed from checkpoint-5
    assert read_log(log) == [*kept, {"event": "resume", "step": 5}]
    callback.on_train_begin(None, state, None)  # killed again before step 6 and resumed: one marker
    assert read_log(log) == [*kept, {"event": "resume", "step": 5}]
    state.global_step, state.epoch = 6, 0.12
    callback.on_log(None, state, None, logs={"eval_loss": 2.0})
    assert read_log(log)[-1] == {"step": 6, "epoch": 0.12, "eval_loss": 2.0}
    callback.on_train_begin(None, SimpleNamespace(**{**vars(state), "global_step": 0}), None)  # a fresh start
    assert read_log(log) == kept[:1]
    other_rank = SimpleNamespace(**{**vars(state), "is_world_process_zero": False})
    callback.on_log(None, other_rank, None, logs={"eval_loss": 2.0})  # only the main process writes
    assert read_log(log) == kept[:1]


def test_the_adapter_config_is_written_the_same_whatever_the_set_order(tmp_path):
    from train._run import canonical_adapter_config

    texts = []
    for order in (["v_proj", "q_proj", "o_proj"], ["o_proj", "v_proj", "q_proj"]):
        path = tmp_path / "adapter_config.json"
        path.write_text(json.dumps({"target_modules": order, "r": 8}))
        canonical_adapter_config(path)
        texts.append(path.read_bytes())
    assert texts[0] == texts[1] and json.loads(texts[0])["target_modules"] == ["o_proj", "q_proj", "v_proj"]
