"""Exact and near-duplicate removal on the query: the first occurrence stays."""

from __future__ import annotations

import re
from collections import Counter

from datasketch import MinHash, MinHashLSH

NON_WORD = re.compile(r"[^a-z0-9]+")


def normalize(text: str) -> str:
    return NON_WORD.sub(" ", text.lower()).strip()


class ExactDedup:
    name = "exact-duplicate"

    def apply(self, rows: list[dict]) -> tuple[list[dict], Counter]:
        seen, kept, reasons = set(), [], Counter()
        for row in rows:
            key = normalize(row["query"])
            if key in seen:
                reasons["same query after normalising case and punctuation"] += 1
            else:
                seen.add(key)
                kept.append(row)
        return kept, reasons


def shingles(text: str, k: int = 5) -> set[str]:
    text = normalize(text)
    return {text[i : i + k] for i in range(max(1, len(text) - k + 1))}


class NearDedup:
    """MinHash LSH over character 5-grams: drops a query whose estimated Jaccard similarity to an
    earlier kept query is at least `threshold`."""

    name = "near-duplicate"

    def __init__(self, threshold: float, num_perm: int):
        self.threshold, self.num_perm = threshold, num_perm

    def apply(self, rows: list[dict]) -> tuple[list[dict], Counter]:
        lsh = MinHashLSH(threshold=self.threshold, num_perm=self.num_perm)
        kept, reasons = [], Counter()
        for i, row in enumerate(rows):
            sig = MinHash(num_perm=self.num_perm, seed=1)
            sig.update_batch([s.encode() for s in shingles(row["query"])])
            if lsh.query(sig):
                reasons[f"query MinHash Jaccard >= {self.threshold} with a kept query"] += 1
            else:
                lsh.insert(str(i), sig)
                kept.append(row)
        return kept, reasons
