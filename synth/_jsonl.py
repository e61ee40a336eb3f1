"""Append-only JSONL files that survive a kill: a torn last line is cut before appending."""

from __future__ import annotations

import json
from pathlib import Path


def repair_jsonl_tail(path: Path) -> None:
    """Drop a last line that a killed writer left without its newline."""
    if not path.is_file():
        return
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        with path.open("r+b") as fh:
            fh.truncate(data.rfind(b"\n") + 1)


def read_jsonl(path: Path) -> list[dict]:
    """Every complete record; a torn or unreadable line is skipped."""
    out = []
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                continue
    return out
