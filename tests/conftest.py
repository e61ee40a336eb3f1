from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.tiny_models import make_tiny_llama, make_tiny_t5

REPO = Path(__file__).resolve().parents[1]
BANKING = REPO / "benchmarks" / "banking"
SCAFFOLD = REPO / "bench" / "scaffold"
BANKING77 = REPO.parent / "shared" / "data" / "banking77" / "train.csv"


def pytest_collection_modifyitems(config, items):
    """Tests marked `rebuild` retrain a shipped verifier (about 35 minutes on 2 cores): skipped, with
    that reason, unless the -m expression names them (`pytest -m rebuild`)."""
    if "rebuild" in (config.getoption("markexpr") or ""):
        return
    skip = pytest.mark.skip(reason="retrains the shipped verifier (about 35 minutes): run with -m rebuild")
    for item in items:
        if "rebuild" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def small_domain(tmp_path: Path) -> Path:
    """A copy of the scaffold as domain 'toy' in tmp_path/benchmarks, free to corrupt."""
    target = tmp_path / "benchmarks" / "toy"
    shutil.copytree(SCAFFOLD, target)
    for path in target.rglob("*"):
        if path.is_file():
            path.write_text(path.read_text().replace("__DOMAIN__", "toy"))
    return target


@pytest.fixture
def banking_copy(tmp_path: Path) -> Path:
    target = tmp_path / "benchmarks" / "banking"
    shutil.copytree(BANKING, target, ignore=shutil.ignore_patterns("prebuilt"))  # data only, not its verifier
    return target


def run_bench(
    *args: str, cwd: Path | None = None, env: dict | None = None, timeout: float = 600
) -> subprocess.CompletedProcess:
    """Run the real CLI in a subprocess, as a user would."""
    import os

    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "bench", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="session")
def tiny_llama(tmp_path_factory) -> Path:
    return make_tiny_llama(tmp_path_factory.mktemp("tiny-llama"))


@pytest.fixture(scope="session")
def tiny_t5(tmp_path_factory) -> Path:
    return make_tiny_t5(tmp_path_factory.mktemp("tiny-t5"))
