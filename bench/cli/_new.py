"""`bench new DOMAIN`: scaffold a domain folder that validates, to be filled in."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import typer

from synth import load_domain

from .._domains import benchmarks_root
from ._common import console, fail

SCAFFOLD = Path(__file__).resolve().parents[1] / "scaffold"
NAME = re.compile(r"^[a-z][a-z0-9_-]*$")


def new_domain(
    domain: str = typer.Argument(..., help="Name of the new domain: lower case letters, digits, _ or -."),
    root: Path | None = typer.Option(None, help="Benchmarks folder to create it in. Default: ./benchmarks."),
) -> None:
    """Create benchmarks/DOMAIN/ with a small example of every data file, ready to edit.

    The scaffold validates and synthesizes as it is; replace its example intents, slots and
    policy facts with the domain's own. See its README.md for the checklist.

    Example: bench new insurance
    """
    if not NAME.match(domain):
        raise fail(f"domain name '{domain}' must match {NAME.pattern}")
    root = root or benchmarks_root()
    target = root / domain
    if target.exists():
        raise fail(f"{target} already exists")
    tmp = root / f".{domain}.partial"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        shutil.copytree(SCAFFOLD, tmp, ignore=shutil.ignore_patterns("__pycache__"))
        for path in tmp.rglob("*"):
            if path.is_file():
                path.write_text(path.read_text(encoding="utf-8").replace("__DOMAIN__", domain), encoding="utf-8")
        tmp.rename(target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    d = load_domain(target)
    console.print(f"created {target} ({len(d.intents)} example intents); next: edit it, then `bench validate {domain}`")
