"""Which test items a run answers: a seeded spread of N (all when N is None), in id order."""

from __future__ import annotations

import random


def spread(rows: list[dict], n: int | None, label: str) -> list[dict]:
    """A seeded sample of n rows (all when n is None or too big), kept in their order."""
    if not n or n >= len(rows):
        return rows
    keep = set(random.Random(label).sample(range(len(rows)), n))
    return [r for i, r in enumerate(rows) if i in keep]


def test_items(dataset_dir, max_items: int | None, seed: int) -> list[dict]:
    """The held-out test rows of a dataset stage folder, or a seeded spread of max_items of them."""
    from pathlib import Path

    from datasets import load_from_disk

    rows = list(load_from_disk(str(Path(dataset_dir) / "dataset"))["test"])
    return spread(rows, max_items, f"items:{seed}")
