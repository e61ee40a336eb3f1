"""Retrieval quality on its own: recall@k, the share of test items whose top-k passages hold every
policy fact their reference states. A passage holds a fact when its text states the fact's value
(compared case-insensitively, whitespace collapsed): what a retrieval contestant could read, not
which section the fact is filed under. Items whose reference states no fact are left out (counted)."""

from __future__ import annotations

import re


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def holds(passage: dict, fact: dict) -> bool:
    return _plain(fact["value"]) in _plain(passage["text"])


def recall_at_k(rows: list[dict], retrieved: list[list[dict]], k: int) -> dict:
    scored = [(row, hits) for row, hits in zip(rows, retrieved, strict=True) if row.get("facts")]
    full = [all(any(holds(p, f) for p in hits[:k]) for f in row["facts"]) for row, hits in scored]
    return {
        "k": k,
        "recall_at_k": round(sum(full) / len(full), 4) if full else None,
        "items": len(full),
        "items_without_facts": len(rows) - len(full),
        "definition": "share of test items whose top-k retrieved passages state every policy fact of the reference "
        "(a fact's value found in a passage's text, case and spacing ignored)",
    }
