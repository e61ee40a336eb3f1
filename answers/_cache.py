"""The answers cache inside an answers stage folder: one JSON line per answer, keyed by model
hash, adapter hash, generation settings and prompt, appended as answers are made, so a killed
stage keeps what it finished and a rerun makes only the rest."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

from synth import read_jsonl, repair_jsonl_tail

from ._settings import GenerationSettings


def answer_key(model_id: str, adapter_sha: str | None, settings: GenerationSettings, prompt: object) -> str:
    """Never the prompt alone: two models (or adapters) on the same prompt must not collide."""
    material = json.dumps([model_id, adapter_sha, settings.to_dict(), prompt], sort_keys=True)
    return hashlib.sha256(material.encode()).hexdigest()


def cached_answers(
    path: Path, keys: list[str], answer_missing: Callable[[list[int], Callable[[list[dict]], None]], list[dict]]
) -> list[dict]:
    """Answers in `keys` order: those already in `path`, and for the rest the records (each with
    its "key") that `answer_missing(indices, keep)` returns. It calls `keep(records)` as answers are
    made (a batch at a time), so a killed stage keeps them; records with status "ok" are appended
    to `path`, failed ones (an endpoint error) are returned but not kept, so a rerun asks again."""
    cached = read_answers(path)
    todo = [i for i, k in enumerate(keys) if k not in cached]
    failed = {}
    if todo:

        def keep(records: list[dict]) -> None:
            append_answers(path, [r for r in records if r.get("status", "ok") == "ok"])

        fresh = answer_missing(todo, keep)
        on_file = read_answers(path)
        keep([r for r in fresh if r["key"] not in on_file])  # any that were not kept on the way
        failed = {r["key"]: r for r in fresh if r.get("status", "ok") != "ok"}
        cached = read_answers(path)
    return [cached.get(k) or failed[k] for k in keys]


def read_answers(path: Path) -> dict[str, dict]:
    """Cached answers by key; a half-written last line from a killed run is ignored."""
    return {r["key"]: r for r in read_jsonl(path)}


def append_answers(path: Path, records: list[dict]) -> None:
    repair_jsonl_tail(path)
    with path.open("a", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        fh.flush()
