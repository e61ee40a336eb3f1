"""Which checkpoint to resume from. The Trainer writes a checkpoint folder file by file, ending
with trainer_state.json, so a kill can leave a newest folder that is only half written."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

CHECKPOINT = re.compile(r"^checkpoint-(\d+)$")


def is_complete(folder: Path) -> bool:
    try:
        json.loads((folder / "trainer_state.json").read_text())
    except (OSError, ValueError):
        return False
    return True


def last_complete_checkpoint(root: Path) -> str | None:
    """The newest complete checkpoint under `root`; half-written newer ones are deleted."""
    if not root.is_dir():
        return None
    found = sorted((int(m.group(1)), p) for p in root.iterdir() if p.is_dir() and (m := CHECKPOINT.match(p.name)))
    for _, folder in reversed(found):
        if is_complete(folder):
            return str(folder)
        shutil.rmtree(folder)
    return None
