"""Decontamination: n-gram overlap of every test query against everything in train."""

from __future__ import annotations

import re

WORD = re.compile(r"[a-z0-9]+")


def words(text: str) -> tuple[str, ...]:
    return tuple(WORD.findall(text.lower()))


def ngrams(tokens: tuple[str, ...], n: int) -> set[tuple[str, ...]]:
    return {tokens[i : i + n] for i in range(len(tokens) - n + 1)}


def overlap_report(train: list[dict], test: list[dict], n: int = 8, threshold: float = 0.0) -> dict:
    """Per test item, the fraction of its query n-grams found in train queries or responses.
    A query shorter than n words counts as fully overlapping when it equals a train query."""
    train_grams: set = set()
    train_queries = set()
    for row in train:
        q = words(row["query"])
        train_queries.add(q)
        train_grams |= ngrams(q, n) | ngrams(words(row["response"]), n)
    items = []
    for row in test:
        q = words(row["query"])
        grams = ngrams(q, n)
        if grams:
            overlap = len(grams & train_grams) / len(grams)
        else:
            overlap = 1.0 if q in train_queries else 0.0
        items.append({"id": row.get("id"), "query": row["query"], "overlap": round(overlap, 4)})
    contaminated = [it for it in items if it["overlap"] > threshold]
    return {
        "field": "query",
        "ngram": n,
        "threshold": threshold,
        "checked": len(items),
        "with_any_overlap": sum(it["overlap"] > 0 for it in items),
        "over_threshold": len(contaminated),
        "max_overlap": max((it["overlap"] for it in items), default=0.0),
        "items": sorted(contaminated, key=lambda it: -it["overlap"]),
        "overlaps": [it["overlap"] for it in items],
    }


def decontaminate(train: list[dict], test: list[dict], n: int, threshold: float) -> tuple[list[dict], int]:
    """(test rows at or under the threshold, number dropped)."""
    report = overlap_report(train, test, n, threshold)
    keep = [row for row, ov in zip(test, report["overlaps"], strict=True) if ov <= threshold]
    return keep, len(test) - len(keep)
