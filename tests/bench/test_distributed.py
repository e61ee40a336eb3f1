"""The same training step under a multi-process launcher: two CPU ranks over gloo with torchrun,
the path `accelerate launch` takes on several GPUs. Rank 0 alone writes the stage folder."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO
from tests.tiny_models import make_tiny_llama


def test_two_ranks_train_one_adapter(tmp_path):
    model = make_tiny_llama(tmp_path / "tiny")
    recipe = tmp_path / "r.yaml"
    recipe.write_text(
        f"base_model: {model}\nsequence_len: 1024\nmicro_batch_size: 4\nmax_steps: 6\n"
        "eval_steps: 3\nmax_eval_samples: 8\nlora_r: 4\nlearning_rate: 0.005\n"
    )
    torchrun = shutil.which("torchrun", path=str(Path(sys.executable).parent)) or "torchrun"
    env = {**os.environ, "DOMAINBENCH_HOME": str(tmp_path / "home")}
    res = subprocess.run(
        [
            torchrun,
            "--nproc_per_node",
            "2",
            "-m",
            "bench",
            "train",
            "banking",
            "--recipe",
            str(recipe),
            "--size",
            "40",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert res.returncode == 0, res.stderr[-3000:]
    [final] = list((tmp_path / "home" / "banking").glob("train-*"))
    metrics = json.loads((final / "metrics.json").read_text())
    assert metrics["world_size"] == 2 and metrics["steps"] == 6
    assert metrics["tuned_eval_loss"] < metrics["base_eval_loss"]
    assert (final / "adapter" / "adapter_model.safetensors").is_file()
    assert not list((tmp_path / "home" / "banking").glob(".train-*"))
    assert res.stdout.count("validation loss:") == 1  # rank 0 reports, rank 1 stays quiet
