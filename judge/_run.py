"""The judge stage, top to bottom: answers of base and tuned (adapter off / on) on the held-out
test split -> cosine similarity, policy checks, LLM-judge ratings and pairwise verdicts, judge
calibration -> per-sample JSONL and a summary. Answers and judgments are cached in `out`."""

from __future__ import annotations

import json
import random
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import synth
from train import resolve_model
from train._hashing import sha256_tree
from train._model import load_base, load_tokenizer
from train._prompt import build_prompt

from . import _pairwise as pairwise
from . import _single as single
from ._calibration import CalibrationThresholds, probe_items, summarize
from ._client import JudgeEndpoint, JudgeRequest, run_judgments
from ._generate import GenerationSettings, answer_key, cached_answers, generate
from ._policy import PolicyChecker
from ._remote import RemoteContestant, remote_answers
from ._similarity import cosine_scores

IDENTICAL_WARNING = 0.95
Progress = Callable[[str, int], Callable[[int], None]]


@dataclass(frozen=True)
class JudgeSettings:
    generation: GenerationSettings = field(default_factory=GenerationSettings)
    max_items: int | None = None  # answer and score a seeded spread of N test items (all when None)
    judge_items: int | None = None  # of those, send a seeded spread of N to the LLM judge (all when None)
    contestants: tuple[RemoteContestant, ...] = ()  # endpoints answering beside base and tuned
    pairwise: bool = True
    calibration_probes: int = 10
    seed: int = 0


def _question(row: dict) -> str:
    return row["messages"][1]["content"]  # the user turn, with the evidence for grounded items


def _answers_for(model, tok, rows, prompts, name, model_sha, adapter_sha, settings, out: Path, progress) -> list[dict]:
    keys = [answer_key(model_sha, adapter_sha, settings.generation, p) for p in prompts]

    def answer(todo: list[int]) -> list[dict]:
        advance = progress(f"answers: {name}", len(todo)) if progress else None
        fresh = generate(model, tok, [prompts[i] for i in todo], settings.generation, advance)
        return [
            {
                "key": keys[i],
                "question_id": rows[i]["id"],
                "contestant": name,
                "model_sha256": model_sha,
                "adapter_sha256": adapter_sha,
                "prompt": prompts[i],
                **res,
            }
            for i, res in zip(todo, fresh, strict=True)
        ]

    return cached_answers(out / f"answers_{name}.jsonl", keys, answer)


def _single_request(rid: str, row: dict, answer: str, meta: dict) -> JudgeRequest:
    return single.request(rid, _question(row), row["response"], answer, meta)


def _pair_request(rid: str, row: dict, a: str, b: str, meta: dict) -> JudgeRequest:
    return pairwise.request(rid, _question(row), row["response"], a, b, meta)


def run(
    domain: synth.Domain,
    dataset_dir: Path,
    train_dir: Path,
    endpoint: JudgeEndpoint,
    out: Path,
    settings: JudgeSettings,
    progress: Progress | None = None,
) -> dict:
    """Judge base vs tuned for one trained adapter; write everything into `out`; return the summary.
    `progress(description, total)`, if given, returns a function that advances that task by n."""
    from datasets import load_from_disk
    from peft import PeftModel

    began = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    rows = list(load_from_disk(str(Path(dataset_dir) / "dataset"))["test"])
    rows = _spread(rows, settings.max_items, f"items:{settings.seed}")
    judged_ids = {r["id"] for r in _spread(rows, settings.judge_items, f"judge-items:{settings.seed}")}
    adapter_dir = Path(train_dir) / "adapter"
    if not (adapter_dir / "adapter_config.json").is_file():
        raise FileNotFoundError(f"no adapter at {adapter_dir} (run `bench train` first)")
    metrics = json.loads((Path(train_dir) / "metrics.json").read_text())
    source = resolve_model(metrics["model"]["spec"])
    tok = load_tokenizer(source)
    prompts = [build_prompt(r, tok, metrics["prompt_format"]) for r in rows]
    adapter_sha = sha256_tree(adapter_dir)
    timings = {}

    t = time.perf_counter()
    model = PeftModel.from_pretrained(load_base(source), str(adapter_dir))
    with model.disable_adapter():  # same weights, adapter off: the base model
        base = _answers_for(model, tok, rows, prompts, "base", source.sha256, None, settings, out, progress)
    tuned = _answers_for(model, tok, rows, prompts, "tuned", source.sha256, adapter_sha, settings, out, progress)
    del model
    answers = {"base": base, "tuned": tuned}
    for contestant in settings.contestants:
        advance = progress(f"answers: {contestant.name}", len(rows)) if progress else None
        answers[contestant.name] = remote_answers(contestant, rows, settings.generation, out, advance)
    timings["answers_seconds"] = round(time.perf_counter() - t, 1)
    identical = sum(b["answer"] == u["answer"] for b, u in zip(base, tuned, strict=True)) / len(rows)
    warnings = []
    if identical >= IDENTICAL_WARNING:
        warnings.append(f"tuned answers equal base answers on {identical:.0%} of items: is the adapter applied?")

    t = time.perf_counter()
    references = [r["response"] for r in rows]
    checker = PolicyChecker(domain)
    per_sample = {}
    for name, recs in answers.items():
        cos = cosine_scores([r["answer"] for r in recs], references)
        for row, rec, c in zip(rows, recs, cos, strict=True):
            verdict = checker.check(rec["answer"], row)
            per_sample[(row["id"], name)] = {
                "question_id": row["id"],
                "contestant": name,
                "intent": row["intent"],
                "category": row["category"],
                "task": row["task"],
                "answer": rec["answer"],
                "answer_tokens": rec["answer_tokens"],
                "cosine": round(c, 6),
                "policy_passed": verdict.passed,
                "policy_failures": verdict.failures,
            }
    timings["similarity_policy_seconds"] = round(time.perf_counter() - t, 1)

    t = time.perf_counter()
    requests = [
        _single_request(
            f"{row['id']}:single:{name}",
            row,
            answers[name][i]["answer"],
            {"question_id": row["id"], "contestant": name},
        )
        for i, row in enumerate(rows)
        for name in answers
        if row["id"] in judged_ids
    ]
    orders = {}
    if settings.pairwise:
        for i, row in enumerate(rows):
            if row["id"] not in judged_ids:
                continue
            first_a, first_b = pairwise.first_order(row["id"], settings.seed)
            orders[row["id"]] = first_a
            a, b = answers[first_a][i]["answer"], answers[first_b][i]["answer"]
            meta = {"question_id": row["id"], "position_a": first_a}
            requests.append(_pair_request(f"{row['id']}:pair:1", row, a, b, meta))
            requests.append(_pair_request(f"{row['id']}:pair:2", row, b, a, {**meta, "position_a": first_b}))
    probes = probe_items(rows, settings.calibration_probes, settings.seed)
    for i, probe in enumerate(probes):
        row = probe["row"]
        requests.append(_single_request(f"cal{i}:good", row, probe["good"], {"calibration": True}))
        for kind, bad in probe["bad"].items():
            requests.append(_single_request(f"cal{i}:{kind}", row, bad, {"calibration": True}))
        requests.append(
            _pair_request(f"cal{i}:pair:1", row, probe["good"], probe["bad"]["off_topic"], {"calibration": True})
        )
        requests.append(
            _pair_request(f"cal{i}:pair:2", row, probe["bad"]["off_topic"], probe["good"], {"calibration": True})
        )
    advance = progress(f"judge: {endpoint.model}", len(requests)) if progress else None
    judged = {r["id"]: r for r in run_judgments(requests, endpoint, out / "judgments.jsonl", advance)}
    timings["judge_seconds"] = round(time.perf_counter() - t, 1)

    for (qid, name), rec in per_sample.items():
        j = judged.get(f"{qid}:single:{name}", {"status": "not_judged", "reason": "outside --judge-items"})
        rec.update(
            {
                "judge_score": j.get("parsed"),
                "judge_status": j["status"],
                "judge_reason": j.get("reason") or j.get("error"),
            }
        )
    pairs = []
    for row in rows:
        if row["id"] not in orders:
            continue
        one, two = judged[f"{row['id']}:pair:1"], judged[f"{row['id']}:pair:2"]
        winner = pairwise.combine(
            pairwise.Verdict(one.get("parsed"), one.get("reason", "")),
            pairwise.Verdict(two.get("parsed"), two.get("reason", "")),
            orders[row["id"]],
        )
        pairs.append(
            {
                "question_id": row["id"],
                "position_a_first": orders[row["id"]],
                "winner": winner,
                "verdicts": [one.get("parsed"), two.get("parsed")],
            }
        )

    cal_ratings = {
        k.replace("cal", "p", 1): v.get("parsed")
        for k, v in judged.items()
        if k.startswith("cal") and ":pair:" not in k
    }
    cal_pairs = {}
    for i in range(len(probes)):
        one, two = judged[f"cal{i}:pair:1"], judged[f"cal{i}:pair:2"]
        w1 = {"A": "good", "B": "bad", "C": "tie"}.get(one.get("parsed"))
        w2 = {"A": "bad", "B": "good", "C": "tie"}.get(two.get("parsed"))
        cal_pairs[f"p{i}"] = [w1, w2]
    all_judged = list(judged.values())
    calibration = summarize(
        probes,
        cal_ratings,
        cal_pairs,
        len(all_judged),
        sum(j["status"] != "ok" for j in all_judged),
        CalibrationThresholds(),
    )

    _write_jsonl(out / "scores.jsonl", list(per_sample.values()))
    _write_jsonl(out / "pairwise.jsonl", pairs)
    summary = {
        "items": len(rows),
        "judged_items": len(judged_ids),
        "contestants": {
            "base": {"model": source.spec, "adapter": None},
            "tuned": {"model": source.spec, "adapter_sha256": adapter_sha},
            **{c.name: {"model": c.identity()} for c in settings.contestants},
        },
        "identical_fraction": identical,
        "warnings": warnings,
        "judge": endpoint.describe(),
        "calibration": calibration,
        "generation": settings.generation.to_dict(),
        "model": source.record(),
        "adapter_sha256": adapter_sha,
        "prompt_format": metrics["prompt_format"],
        "timings": timings,
        "wall_seconds": round(time.perf_counter() - began, 1),
        # this process's peak so far: under `bench run` it includes the training that ran before
        "process_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    (out / "judge_summary.json").write_text(json.dumps(summary, indent=2, default=str) + "\n")
    return summary


def _spread(rows: list[dict], n: int | None, seed: str) -> list[dict]:
    """A seeded sample of n rows (all when n is None or too big), kept in id order."""
    if not n or n >= len(rows):
        return rows
    keep = set(random.Random(seed).sample(range(len(rows)), n))
    return [r for i, r in enumerate(rows) if i in keep]


def _write_jsonl(path: Path, records: list[dict]) -> None:
    tmp = path.with_suffix(".partial")
    tmp.write_text("".join(json.dumps(r, ensure_ascii=False, default=str) + "\n" for r in records))
    tmp.rename(path)
