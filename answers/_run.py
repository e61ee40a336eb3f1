"""The answers stage's work: a contestant's answers to the held-out test items. `plan` fixes
everything that decides the answers (model and adapter hashes, prompt ids, the resolved answer
cap) before any model runs, so the store can key the stage by it; `run` makes the answers."""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from ._cache import answer_key, cached_answers, read_answers
from ._endpoint import RemoteContestant, chat_prompt, endpoint_answers
from ._settings import GenerationSettings, derived_cap


@dataclass(frozen=True)
class LocalContestant:
    """A local model, with a PEFT adapter (tuned) or without (base)."""

    model: str  # a model spec: built-in name, local folder or hub id
    prompt_format: str
    adapter_dir: Path | None = None
    sequence_len: int | None = None  # the training recipe's: prompts are truncated as in training


@dataclass
class AnswerPlan:
    contestant: LocalContestant | RemoteContestant
    rows: list[dict]
    settings: GenerationSettings  # max_new_tokens resolved
    cap: dict  # how max_new_tokens was chosen
    material: dict  # what decides the answers: the stage key's inputs
    prompts: list = field(default_factory=list)  # token ids (local) or chat messages (endpoint)
    extra: dict = field(default_factory=dict)


def _digest(obj: object) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True).encode()).hexdigest()


def plan_local(
    contestant: LocalContestant, rows: list[dict], settings: GenerationSettings, cap: dict | None = None
) -> AnswerPlan:
    """`cap`: how the answer cap was chosen elsewhere (rows without references, such as real
    queries, take the cap derived for the synthetic test items); None: derived from `rows`."""
    from train import resolve_model
    from train._hashing import sha256_tree
    from train._model import load_tokenizer
    from train._tokenize import completion_ids, prompt_ids

    source = resolve_model(contestant.model)
    tok = load_tokenizer(source)
    seq2seq = source.model_type == "seq2seq"
    fmt, seq_len = contestant.prompt_format, contestant.sequence_len
    prompts = [prompt_ids(r, tok, fmt, seq2seq, seq_len) for r in rows]
    if cap is None:
        cap = derived_cap([len(completion_ids(r, tok, fmt, seq2seq)) for r in rows])
    if settings.max_new_tokens is not None:
        cap = {**cap, "max_new_tokens": settings.max_new_tokens, "rule": "set by --max-new-tokens"}
    resolved = settings.with_cap(cap["max_new_tokens"]).resolved()
    if contestant.adapter_dir is None:
        resolved = replace(resolved, merge_adapter=False)  # nothing to merge
    if seq2seq:
        resolved = replace(resolved, drop_finished=False)  # an encoder-decoder batch is decoded whole
    adapter_sha = sha256_tree(contestant.adapter_dir) if contestant.adapter_dir else None
    material = {
        "kind": "local",
        "model_sha256": source.sha256,
        "adapter_sha256": adapter_sha,
        "prompt_format": fmt,
        "generation": resolved.to_dict(),
        "items": _digest([[r["id"] for r in rows], prompts]),
    }
    extra = {"source": source, "tokenizer": tok, "adapter_sha256": adapter_sha}
    return AnswerPlan(contestant, rows, resolved, cap, material, prompts, extra)


def plan_endpoint(
    contestant: RemoteContestant, rows: list[dict], settings: GenerationSettings, cap: dict
) -> AnswerPlan:
    """`settings.max_new_tokens` must be resolved: an endpoint's tokenizer is not known here, so
    the cap is the one derived for the run's local model, and `cap` says so."""
    prompts = [chat_prompt(r) for r in rows]
    material = {
        "kind": "endpoint",
        "endpoint": contestant.identity(),
        "generation": settings.to_dict(),
        "items": _digest([[r["id"] for r in rows], prompts]),
    }
    return AnswerPlan(contestant, rows, settings, cap, material, prompts)


def merged_adapter(model):
    """A PEFT model's adapter merged into its base weights (answering loads the base unquantised, in
    the answers' dtype, so the merge is exact up to float rounding); the plain model is returned."""
    return model.merge_and_unload()


def _local_answers(plan: AnswerPlan, out: Path, progress) -> list[dict]:
    from train._model import load_base

    from ._local import generate

    source, tok = plan.extra["source"], plan.extra["tokenizer"]
    adapter_sha = plan.extra["adapter_sha256"]
    keys = [answer_key(source.sha256, adapter_sha, plan.settings, ids) for ids in plan.prompts]

    def record(i: int, res: dict) -> dict:
        return {
            "key": keys[i],
            "question_id": plan.rows[i]["id"],
            "engine": "transformers generate (batched)",
            "model_sha256": source.sha256,
            "adapter_sha256": adapter_sha,
            "prompt": tok.decode(plan.prompts[i]),
            "status": "ok",
            **res,
        }

    def answer(todo: list[int], keep) -> list[dict]:
        model = load_base(source, dtype=plan.settings.dtype)
        if plan.contestant.adapter_dir:
            from peft import PeftModel

            model = PeftModel.from_pretrained(model, str(plan.contestant.adapter_dir))
            if plan.settings.merge_adapter:
                model = merged_adapter(model)

        def kept(idx: list[int], results: list[dict]) -> None:
            keep([record(todo[j], res) for j, res in zip(idx, results, strict=True)])

        fresh = generate(model, tok, [plan.prompts[i] for i in todo], plan.settings, progress, on_batch=kept)
        return [record(i, res) for i, res in zip(todo, fresh, strict=True)]

    return cached_answers(out / "answers.jsonl", keys, answer)


def run(plan: AnswerPlan, out: Path, progress=None) -> dict:
    """Answer every planned item into out/answers.jsonl (resuming what is there); return a
    summary: counts made now and on file, truncations, failures, the cap and timings."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "answers.jsonl").touch()  # the stage's resume marker: a killed stage keeps its folder
    before = set(read_answers(out / "answers.jsonl"))
    if progress and before:
        progress(len(before))  # already made by an earlier, interrupted run
    began = time.perf_counter()
    if isinstance(plan.contestant, RemoteContestant):
        records = endpoint_answers(plan.contestant, plan.rows, plan.settings, out, progress)
    else:
        records = _local_answers(plan, out, progress)
    ok = [r for r in records if r.get("status", "ok") == "ok"]
    return {
        "items": len(records),
        "answered_before": sum(r["key"] in before for r in ok),
        "answered_now": sum(r["key"] not in before for r in ok),
        "failed": len(records) - len(ok),
        "truncated": sum(bool(r.get("truncated")) for r in ok),
        "loop_blocked": sum(bool(r.get("loop_blocked")) for r in ok),
        "max_new_tokens": plan.settings.max_new_tokens,
        "cap": plan.cap,
        "material": plan.material,
        "seconds": round(time.perf_counter() - began, 1),
        "records": records,
    }
