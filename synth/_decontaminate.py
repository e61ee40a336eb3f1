"""Decontamination of the test split against train and validation, on three views:
- queries, long ones: word n-gram overlap (default 8-grams) with train queries and responses;
- queries, short ones too: near-duplicate similarity, the exact Jaccard similarity of character
  5-gram shingles (as the near-duplicate filter uses) to the most similar train query, since a
  query shorter than n words has no n-grams to compare;
- responses: word n-gram overlap (default 5-grams) of each test reference with the train
  responses after every rendered policy-fact value (and slot value) is masked, because every
  wording of an intent states those values word for word; n-grams touching a mask are not
  counted; and whether a masked reference is word for word a masked train response.
Test rows over the query thresholds are dropped; response overlap is reported (the wordings are
data: a reference wording that copies a training reply is fixed in the intent file)."""

from __future__ import annotations

import json
import re

from .filters._dedup import shingles

WORD = re.compile(r"[a-z0-9]+")
MASK = "\x00"  # stands for a masked fact value; never a word


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


def near_duplicate_report(train: list[dict], test: list[dict], threshold: float, n: int = 8) -> dict:
    """Per test query, the highest Jaccard similarity of its character 5-gram shingles to any train
    query's (and how many test queries are shorter than n words, so have no n-grams). Exact rather
    than MinHash-estimated: a few hundred by a few thousand short sets is quick."""
    train_sets = [shingles(r["query"]) for r in train]
    index: dict[str, list[int]] = {}  # shingle -> train queries holding it, so only candidates are compared
    for j, s in enumerate(train_sets):
        for g in s:
            index.setdefault(g, []).append(j)
    sims = []
    for row in test:
        s = shingles(row["query"])
        candidates = {j for g in s for j in index.get(g, ())}
        best = max((len(s & train_sets[j]) / len(s | train_sets[j]) for j in candidates), default=0.0)
        sims.append(round(best, 4))
    short = [len(words(r["query"])) for r in test]
    return {
        "field": "query",
        "method": "max Jaccard similarity of character 5-gram shingles to any train or validation query",
        "threshold": threshold,
        "checked": len(sims),
        "over_threshold": sum(v >= threshold for v in sims),
        "at_least_0.5": sum(v >= 0.5 for v in sims),
        "max_similarity": max(sims, default=0.0),
        "mean_similarity": round(sum(sims) / len(sims), 4) if sims else 0.0,
        "short_queries": sum(k < n for k in short),
        "short_below_words": n,
        "similarities": sims,
    }


def masked(text: str, values: list[str]) -> tuple[str, ...]:
    """The words of `text` with every whole occurrence of each value replaced by one mask token
    ("free" is masked in "is free", not in "freeze")."""
    for value in sorted(values, key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(value)}(?!\w)", f" {MASK} ", text, flags=re.IGNORECASE)
    return tuple(w for w in re.findall(rf"[a-z0-9]+|{MASK}", text.lower()))


def _masked_response(row: dict) -> tuple[str, ...]:
    """The response with its fact values and slot values masked: what its template says by itself."""
    slots = list(json.loads(row.get("slot_values") or "{}").values())
    return masked(row["response"], [f["value"] for f in row.get("facts", [])] + slots)


def response_report(train: list[dict], test: list[dict], n: int) -> dict:
    """Per test reference, the fraction of its word n-grams (fact and slot values masked, n-grams
    touching a mask left out) found in any train response; and how many references are, once
    masked, word for word a train response (a reference wording that copies a training reply)."""

    def grams(tokens: tuple[str, ...]) -> set:
        return {g for g in ngrams(tokens, n) if MASK not in g}

    train_masked = {_masked_response(r) for r in train}
    train_grams = set().union(*(grams(m) for m in train_masked)) if train else set()
    shares, copies = [], 0
    for row in test:
        tokens = _masked_response(row)
        copies += tokens in train_masked
        mine = grams(tokens)
        shares.append(len(mine & train_grams) / len(mine) if mine else 0.0)
    train_templates = {r["response_template"] for r in train}
    test_templates = {r["response_template"] for r in test}
    return {
        "field": "response",
        "ngram": n,
        "method": f"word {n}-grams of the reference, policy-fact and slot values masked, found in any train response",
        "checked": len(shares),
        "with_any_overlap": sum(v > 0 for v in shares),
        "max_overlap": round(max(shares, default=0.0), 4),
        "mean_overlap": round(sum(shares) / len(shares), 4) if shares else 0.0,
        "templates_train": len(train_templates),
        "templates_test": len(test_templates),
        "templates_shared": sorted(train_templates & test_templates),  # template ids: none by construction
        "identical_to_a_train_response": copies,  # masked: catches a reference wording that copies a reply
    }


def decontaminate(
    train: list[dict], test: list[dict], n: int, threshold: float, near_threshold: float
) -> tuple[list[dict], dict[str, int]]:
    """(test rows kept, dropped counts by reason): a row goes when its query's n-gram overlap is
    over `threshold` or its near-duplicate similarity is at least `near_threshold`."""
    grams = overlap_report(train, test, n, threshold)["overlaps"]
    near = near_duplicate_report(train, test, near_threshold)["similarities"]
    keep, dropped = [], {"query n-gram overlap": 0, "near-duplicate query": 0}
    for row, ov, sim in zip(test, grams, near, strict=True):
        if ov > threshold:
            dropped["query n-gram overlap"] += 1
        elif sim >= near_threshold:
            dropped["near-duplicate query"] += 1
        else:
            keep.append(row)
    return keep, {k: v for k, v in dropped.items() if v}


def final_report(seen: list[dict], test: list[dict], n: int, threshold: float, similarity: float,
                 reasons: dict) -> dict:  # fmt: skip
    """The saved test split's decontamination record: query n-gram overlap and near duplicates against
    train and validation (per-item lists left out), with the rows dropped before selection and why."""
    final = overlap_report(seen, test, n, threshold)
    final.pop("overlaps")
    final["dropped_before_selection"] = sum(reasons.values())
    final["dropped_reasons"] = reasons
    final["near_duplicates"] = near_duplicate_report(seen, test, similarity, n)
    final["near_duplicates"].pop("similarities")
    return final
