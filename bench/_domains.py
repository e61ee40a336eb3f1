"""Where domain benchmarks are found: $DOMAINBENCH_BENCHMARKS, else ./benchmarks, else the
benchmarks/ folder beside this package."""

from __future__ import annotations

import os
from pathlib import Path

from synth import DomainError


def benchmarks_root() -> Path:
    env = os.environ.get("DOMAINBENCH_BENCHMARKS")
    if env:
        return Path(env)
    local = Path("benchmarks")
    if local.is_dir():
        return local
    return Path(__file__).resolve().parents[1] / "benchmarks"


def domain_names(root: Path | None = None) -> list[str]:
    root = root or benchmarks_root()
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / "domain.yaml").is_file() and not p.name.startswith((".", "_")))


def domain_dir(name: str) -> Path:
    """The folder of domain `name`, or `name` itself when it is a path to a domain folder."""
    as_path = Path(name)
    if (as_path / "domain.yaml").is_file():
        return as_path
    root = benchmarks_root()
    folder = root / name
    if not (folder / "domain.yaml").is_file():
        known = ", ".join(domain_names(root)) or "none"
        raise DomainError(folder, f"unknown domain '{name}' (domains in {root}: {known})")
    return folder
