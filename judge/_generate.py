"""Answers of local contestants: the base model and base+adapter share one set of weights, with
the adapter switched off and on. Greedy, batched with left padding, prompts sorted by length;
each answer is cached under a key of model hash, adapter hash, settings and prompt."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from synth import read_jsonl, repair_jsonl_tail


@dataclass(frozen=True)
class GenerationSettings:
    max_new_tokens: int = 128
    batch_size: int = 48  # measured here: 9.0x the one-at-a-time loop at 48, 7.0x at 24 (perf/generation_throughput.py)
    greedy: bool = True

    def to_dict(self) -> dict:
        return asdict(self)


def answer_key(model_sha: str, adapter_sha: str | None, settings: GenerationSettings, prompt: str) -> str:
    """Never the prompt alone: two models (or adapters) on the same prompt must not collide."""
    material = json.dumps([model_sha, adapter_sha, settings.to_dict(), prompt], sort_keys=True)
    return hashlib.sha256(material.encode()).hexdigest()


def generate(
    model, tokenizer, prompts: list[str], settings: GenerationSettings, progress: Callable[[int], None] | None = None
) -> list[dict]:
    """One record per prompt, in the input order: answer, token counts, seconds of its batch."""
    tokenizer.padding_side = "left"
    order = sorted(
        range(len(prompts)), key=lambda i: -len(tokenizer(prompts[i], add_special_tokens=False)["input_ids"])
    )
    results: list[dict | None] = [None] * len(prompts)
    model.eval()
    for start in range(0, len(order), settings.batch_size):
        idx = order[start : start + settings.batch_size]
        batch = tokenizer([prompts[i] for i in idx], return_tensors="pt", padding=True, add_special_tokens=False)
        began = time.perf_counter()
        with torch.no_grad():
            out = model.generate(
                **batch,
                max_new_tokens=settings.max_new_tokens,
                do_sample=not settings.greedy,
                pad_token_id=tokenizer.pad_token_id,
            )
        seconds = time.perf_counter() - began
        new = out[:, batch["input_ids"].shape[1] :]
        for row, i in enumerate(idx):
            tokens = new[row]
            ends = (tokens == tokenizer.eos_token_id).nonzero()
            n = int(ends[0]) + 1 if len(ends) else len(tokens)
            results[i] = {
                "answer": tokenizer.decode(tokens[:n], skip_special_tokens=True).strip(),
                "prompt_tokens": int(batch["attention_mask"][row].sum()),
                "answer_tokens": n,
                "batch_seconds": round(seconds, 3),
            }
        if progress:
            progress(len(idx))
    return results


def cached_answers(path: Path, keys: list[str], answer_missing: Callable[[list[int]], list[dict]]) -> list[dict]:
    """Answers in `keys` order: those already in `path`, and for the rest the records (each with
    its "key") that `answer_missing(indices)` returns, appended to `path` first."""
    cached = read_answers(path)
    todo = [i for i, k in enumerate(keys) if k not in cached]
    if todo:
        append_answers(path, answer_missing(todo))
        cached = read_answers(path)
    return [cached[k] for k in keys]


def read_answers(path: Path) -> dict[str, dict]:
    """Cached answers by key; a half-written last line from a killed run is ignored."""
    return {r["key"]: r for r in read_jsonl(path)}


def append_answers(path: Path, records: list[dict]) -> None:
    repair_jsonl_tail(path)
    with path.open("a", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        fh.flush()
