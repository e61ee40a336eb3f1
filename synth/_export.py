"""Rows to a datasets.DatasetDict with chat `messages` and Alpaca fields, and to JSONL."""

from __future__ import annotations

import json
from pathlib import Path

from datasets import Dataset, DatasetDict, Features, Sequence, Value

from ._domain import Domain

FEATURES = Features(
    {
        "id": Value("string"),
        "split": Value("string"),
        "domain": Value("string"),
        "task": Value("string"),
        "category": Value("string"),
        "intent": Value("string"),
        "query": Value("string"),
        "response": Value("string"),
        "facts": [{"key": Value("string"), "kind": Value("string"), "value": Value("string")}],
        "calibration_response": Value("string"),
        "evidence": Value("string"),
        "variations": Sequence(Value("string")),
        "query_template": Value("string"),
        "response_template": Value("string"),
        "slot_values": Value("string"),
        "messages": [{"role": Value("string"), "content": Value("string")}],
        "instruction": Value("string"),
        "input": Value("string"),
        "output": Value("string"),
    }
)


def user_turn(domain: Domain, row: dict) -> str:
    if not row["evidence"]:
        return row["query"]
    return domain.grounded_prompt.replace("{evidence}", row["evidence"]).replace("{question}", row["query"])


def with_formats(domain: Domain, row: dict) -> dict:
    """Add chat messages (system / user / assistant) and Alpaca instruction / input / output."""
    full = {
        **row,
        "messages": [
            {"role": "system", "content": row.get("system") or domain.system_prompt},  # a source row may have its own
            {"role": "user", "content": user_turn(domain, row)},
            {"role": "assistant", "content": row["response"]},
        ],
        "instruction": row["query"],
        "input": row["evidence"],
        "output": row["response"],
    }
    return {name: full[name] for name in FEATURES}


def to_dataset_dict(domain: Domain, splits: dict[str, list[dict]]) -> DatasetDict:
    return DatasetDict(
        {
            name: Dataset.from_list([with_formats(domain, r) for r in rows], features=FEATURES)
            for name, rows in splits.items()
        }
    )


def write_jsonl(dataset: Dataset, path: Path) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for row in dataset:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
