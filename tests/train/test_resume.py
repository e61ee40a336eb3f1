"""A training killed with SIGKILL and run again writes what an uninterrupted training writes: the same
log records (losses, grad norms, eval losses), the same best eval loss and the same adapter bytes."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import pytest

import synth
from tests.conftest import BANKING, REPO
from tests.tiny_models import make_tiny_llama, tiny_recipe
from train import Recipe, run
from train._checkpoints import last_complete_checkpoint

# Run in a subprocess: train.run, SIGKILLed by its own process right after the log record of step
# KILL_AT is written. A kill from inside is deterministic (no polling race with a fast tiny model),
# and it is still a real kill -9: nothing of the trainer gets to clean up or flush.
KILLED_RUN = """
import json, os, signal, sys
from pathlib import Path
import train._run as r
from train import Recipe

kill_at = int(sys.argv[4])

class KillAfterLogging(r.JsonlLogCallback):
    def on_log(self, args, state, control, logs=None, **kwargs):
        super().on_log(args, state, control, logs=logs, **kwargs)
        if state.global_step == kill_at and "loss" in (logs or {}):
            os.kill(os.getpid(), signal.SIGKILL)

r.JsonlLogCallback = KillAfterLogging
r.run(Path(sys.argv[1]), Recipe(**json.loads(sys.argv[2])), Path(sys.argv[3]), progress=False)
"""

TIMING = {"tokens_per_s"}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("ds")
    synth.build(BANKING, synth.SynthSettings.sized(40, seed=0), out)
    return out


def resume_recipe(model: Path) -> Recipe:
    # 12 rows in micro-batches of 2, 2 accumulated: 3 optimizer steps an epoch and 8 steps in all, so a
    # resume from checkpoint-4 starts inside the second epoch and must draw that epoch's data order.
    # LoRA dropout is on (a random stream every step) and batches are grouped by length (the default).
    # Sequences cut at 320 tokens (inputs trained on, so every row keeps a target) still differ row to
    # row (the user's question follows a ~220-token system prompt), so the data order matters.
    return tiny_recipe(
        model,
        adapter="lora",
        load_in_4bit=False,
        sequence_len=320,
        train_on_inputs=True,
        micro_batch_size=2,
        gradient_accumulation_steps=2,
        max_train_samples=12,
        max_steps=8,
        eval_steps=2,
        lora_dropout=0.1,
    )


def killed_run(dataset: Path, recipe: Recipe, out: Path, kill_at: int) -> None:
    res = subprocess.run(
        [sys.executable, "-c", KILLED_RUN, str(dataset), json.dumps(asdict(recipe)), str(out), str(kill_at)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode == -signal.SIGKILL, res.stderr[-3000:]


def records(out: Path) -> list[dict]:
    """The log's loss and eval records without timing fields (and without resume markers)."""
    log = [json.loads(line) for line in (out / "train_log.jsonl").read_text().splitlines()]
    return [{k: v for k, v in r.items() if k not in TIMING} for r in log if "event" not in r]


def assert_same_records(got: list[dict], want: list[dict]) -> None:
    assert [(r["step"], sorted(r)) for r in got] == [(r["step"], sorted(r)) for r in want]
    for a, b in zip(got, want, strict=True):
        for key, value in b.items():
            assert a[key] == pytest.approx(value, abs=1e-6), (b["step"], key)


def test_a_killed_training_rerun_writes_what_an_uninterrupted_one_writes(dataset, tmp_path):
    recipe = resume_recipe(make_tiny_llama(tmp_path / "llama", layers=2))
    whole = run(dataset, recipe, tmp_path / "whole", progress=False)
    want = records(tmp_path / "whole")
    assert [r["step"] for r in want if "loss" in r] == list(range(1, 9))
    adapter = (tmp_path / "whole" / "adapter" / "adapter_model.safetensors").read_bytes()

    # (a) killed after the base evaluation was saved, before the first checkpoint (step 2);
    # (b) killed at step 5, after checkpoint-4, with step 5 already logged.
    for name, kill_at, resumed in (("before-checkpoint", 1, None), ("after-checkpoint", 5, "checkpoint-4")):
        out = tmp_path / name
        killed_run(dataset, recipe, out, kill_at)
        assert (out / "base_eval.json").is_file()
        assert max(r["step"] for r in records(out)) == kill_at
        found = last_complete_checkpoint(out / "checkpoints")
        assert (found and Path(found).name) == resumed
        metrics = run(dataset, recipe, out, progress=False)  # rerun, in this process after other trainings
        assert (metrics["resumed_from"] and Path(metrics["resumed_from"]).name) == resumed
        assert_same_records(records(out), want)
        assert metrics["tuned_eval_loss"] == pytest.approx(whole["tuned_eval_loss"], abs=1e-6)
        assert metrics["best_step"] == whole["best_step"] and metrics["steps"] == 8
        assert (out / "adapter" / "adapter_model.safetensors").read_bytes() == adapter, name
