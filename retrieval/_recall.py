"""Retrieval quality on its own: recall@k, the share of test items whose top-k passages hold every
policy fact their reference states. A passage holds a fact when it is that fact's section passage or
its text contains the fact's value. Items whose reference states no fact are left out (counted)."""

from __future__ import annotations


def holds(passage: dict, fact: dict) -> bool:
    return passage.get("section") == fact["key"].split(".", 1)[0] or fact["value"] in passage["text"]


def recall_at_k(rows: list[dict], retrieved: list[list[dict]], k: int) -> dict:
    scored = [(row, hits) for row, hits in zip(rows, retrieved, strict=True) if row.get("facts")]
    full = [all(any(holds(p, f) for p in hits[:k]) for f in row["facts"]) for row, hits in scored]
    return {
        "k": k,
        "recall_at_k": round(sum(full) / len(full), 4) if full else None,
        "items": len(full),
        "items_without_facts": len(rows) - len(full),
        "definition": "share of test items whose top-k retrieved passages hold every policy fact of the reference "
        "(a passage holds a fact when it is the fact's section passage or contains its value)",
    }
