"""The run store: every stage output lives in a folder keyed by a hash of its inputs and settings.
A folder is complete when its manifest.json exists; it is built under a temporary name and
renamed into place, so a killed run never leaves a folder that looks finished."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ._provenance import provenance

MANIFEST = "manifest.json"


class StoreError(RuntimeError):
    """An output folder cannot be written without losing something that is not ours."""


class Unfinished(Exception):
    """Raised inside a resumable stage's `atomic_output` block when its work is done for now but not
    complete (an endpoint failed on some requests): the partial folder is kept without a manifest,
    the block ends quietly, and the next run of the same stage resumes it."""


def stable_hash(material: object) -> str:
    return hashlib.sha256(json.dumps(material, sort_keys=True, default=str).encode()).hexdigest()


# Data beside the code that no stage's output depends on through the code: a recipe's settings are in the
# stage key themselves, so editing or adding a shared recipe (or the seeds' published settings) re-keys nothing
NOT_CODE = ("train/recipes/", "train/seed_settings.yaml")


def code_hash(*packages: str) -> str:
    """sha256 of packages' (or single files') source and data files, so a code change invalidates
    the outputs that depend on it."""
    digest = hashlib.sha256()
    root = Path(__file__).resolve().parents[1]
    for package in packages:
        target = root / package
        for path in [target] if target.is_file() else sorted(target.rglob("*")):
            if path.relative_to(root).as_posix().startswith(NOT_CODE):
                continue
            if path.is_file() and path.suffix in {".py", ".json", ".yaml"}:
                digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def rank() -> int:
    """This process's rank under torchrun or accelerate launch (0 when run alone)."""
    return int(os.environ.get("RANK", "0"))


def wait_until_complete(folder: Path, key: str, timeout: float = 1800) -> None:
    """Ranks other than 0 wait for rank 0 to finish a stage folder instead of writing it too."""
    deadline = time.monotonic() + timeout
    while not is_complete(folder, key):
        if time.monotonic() > deadline:
            raise StoreError(f"rank {rank()}: {folder} was not completed by rank 0 within {timeout:.0f} s")
        time.sleep(1)


def partial_dir(final: Path, key: str) -> Path:
    """Where a resumable stage builds `final`: a stable hidden name the same command finds again.
    Named by the stage key too: with `--out` the final name is the same whatever the settings, and a
    partial folder must only ever be resumed by the stage that wrote it (not another recipe's
    checkpoints, not another judge's verdicts). Partial folders of other keys are left alone: they
    belong to other settings, which may be run, and resumed, later."""
    return final.parent / f".{final.name}.{key[:16]}.partial"


def home() -> Path:
    """Where stage outputs go by default: $DOMAINBENCH_HOME, else ./runs."""
    return Path(os.environ.get("DOMAINBENCH_HOME", "runs"))


def read_manifest(folder: Path) -> dict | None:
    try:
        return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def is_complete(folder: Path, key: str) -> bool:
    manifest = read_manifest(folder)
    return manifest is not None and manifest.get("key") == key


def swap_in(tmp: Path, final: Path) -> None:
    """Rename a finished temporary folder to `final`. An existing `final` is moved aside first and
    deleted after, so a kill at any point leaves a complete folder under one of the two names."""
    if final.exists():
        old = final.parent / f".{final.name}.old-{os.getpid()}"
        final.rename(old)
        tmp.rename(final)
        shutil.rmtree(old)
    else:
        tmp.rename(final)


@contextmanager
def atomic_output(
    final: Path,
    stage: str,
    key: str,
    material: dict,
    resumable: bool = False,
    summary: dict | None = None,
    resume_marker: str = "checkpoints",
) -> Iterator[Path]:
    """Yield a temporary folder; on success write the manifest and swap it into `final`.
    An existing `final` is replaced only if it is an earlier output of the same stage.
    `resumable`: the folder has a stable name and survives a failure that left `resume_marker` in it,
    so the same command can continue the work; it never looks finished (no manifest).
    `summary`: filled in by the caller while the block runs (timings, memory), kept in the manifest.
    Raising `Unfinished` in the block of a resumable stage keeps the folder and is not re-raised."""
    final = Path(final)
    if final.exists():
        manifest = read_manifest(final)
        if not final.is_dir() or (any(final.iterdir()) and (manifest or {}).get("stage") != stage):
            raise StoreError(f"{final} exists and is not a {stage} output; choose another --out")
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = partial_dir(final, key) if resumable else final.parent / f".{final.name}.partial-{os.getpid()}"
    if not resumable:
        shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(exist_ok=resumable)
    try:
        yield tmp
        manifest = {"stage": stage, "key": key, "inputs": material, "summary": summary or {}, **provenance()}
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        swap_in(tmp, final)
    except BaseException as exc:
        if not (resumable and (tmp / resume_marker).exists()):
            shutil.rmtree(tmp, ignore_errors=True)
        if not (resumable and isinstance(exc, Unfinished)):
            raise
