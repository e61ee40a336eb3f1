"""The judge stage's work, top to bottom: given the test items and every contestant's answers
(made by the answers stage), score each answer (cosine, policy, length, truncation), send a
seeded spread of items to the LLM judge (single grading, tuned vs base pairwise) with the
calibration probes, and write scores.jsonl, pairwise.jsonl, judgments.jsonl and
judge_summary.json. Judgments are cached in `out`; a failed one is retried on the next run."""

from __future__ import annotations

import json
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import synth
from answers import spread

from ._calibration import calibrate, calibration_requests, make_probes
from ._client import JudgeEndpoint, run_judgments, status_counts
from ._requests import pair_outcomes, pair_requests, single_requests, single_verdict
from ._scores import score_answers, skipped_metrics

IDENTICAL_WARNING = 0.95
Progress = Callable[[str, int], Callable[[int], None]]


@dataclass(frozen=True)
class JudgeSettings:
    judge_items: int | None = None  # send a seeded spread of N scored items to the LLM judge (all when None)
    pairwise: bool = False  # tuned vs base in both orders; the rubric grades one answer at a time
    calibration_probes: int = 20  # probe rows, one intent each: every one costs up to 12 answers x 5 rubric items
    seed: int = 0
    protocol: str = "rubric"  # "rubric" (yes/no items, judge/_rubric.py) or "rating" (1-10, judge/_single.py)


def run(
    domain: synth.Domain,
    rows: list[dict],
    answers: dict[str, list[dict]],
    endpoint: JudgeEndpoint,
    out: Path,
    settings: JudgeSettings,
    progress: Progress | None = None,
    reuse: dict[str, dict] | None = None,
) -> dict:
    """Score and judge `answers` (contestant -> one record per row, in row order; "base" and
    "tuned" are the pairwise pair); write everything into `out`; return the summary.
    `progress(description, total)`, if given, returns a function that advances that task by n.
    `reuse`: earlier stages' judgments of the same judge and protocol code (judge._client.reusable)."""
    began = time.perf_counter()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    timings = {}

    t = time.perf_counter()
    samples = score_answers(domain, rows, answers)
    timings["scores_seconds"] = round(time.perf_counter() - t, 1)

    t = time.perf_counter()
    judged_ids = {r["id"] for r in spread(rows, settings.judge_items, f"judge-items:{settings.seed}")}
    requests = single_requests(rows, answers, judged_ids, settings.protocol)
    orders = {}
    if settings.pairwise and {"base", "tuned"} <= answers.keys():
        pairs, orders = pair_requests(rows, answers, judged_ids, settings.seed)
        requests += pairs
    probes = make_probes(domain, rows, settings.calibration_probes, settings.seed)
    requests += calibration_requests(probes, settings.protocol)
    advance = progress(f"judge: {endpoint.model}", len(requests)) if progress else None
    judged = {r["id"]: r for r in run_judgments(requests, endpoint, out / "judgments.jsonl", advance, reuse=reuse)}
    timings["judge_seconds"] = round(time.perf_counter() - t, 1)

    for sample in samples:
        sample.update(single_verdict(judged, sample["question_id"], sample["contestant"], settings.protocol))
        if sample["answer_status"] != "ok" and sample["question_id"] in judged_ids:  # unscored, not "not judged"
            sample.update(judge_status="no_answer", judge_reason="no answer to judge (the endpoint failed)")
    _write_jsonl(out / "scores.jsonl", samples)
    outcomes = pair_outcomes(rows, orders, judged)
    _write_jsonl(out / "pairwise.jsonl", outcomes)

    warnings = []
    identical = None
    if {"base", "tuned"} <= answers.keys():
        same = [b.get("answer") == u.get("answer") for b, u in zip(answers["base"], answers["tuned"], strict=True)]
        identical = sum(same) / len(same) if same else 0.0
        if identical >= IDENTICAL_WARNING:
            warnings.append(f"tuned answers equal base answers on {identical:.0%} of items: is the adapter applied?")
    statuses = status_counts(list(judged.values()))
    if statuses["error"]:
        warnings.append(
            f"the judge failed on {statuses['error']} of {len(judged)} requests after retries "
            "(recorded in judgments.jsonl); run the same command again to retry them"
        )
    summary = {
        "items": len(rows),
        "judged_items": len(judged_ids),
        "identical_fraction": identical,
        "warnings": warnings,
        "judge": endpoint.describe(),
        "judge_requests": statuses,
        "reused_judgments": sum(bool(r.get("reused_from")) for r in judged.values()),
        "protocol": settings.protocol,
        "skipped_metrics": skipped_metrics(domain),
        "calibration": calibrate(probes, judged, settings.protocol, settings.seed, outcomes),
        "timings": timings,
        "wall_seconds": round(time.perf_counter() - began, 1),
        # this process's peak so far: under `bench run` it includes the stages that ran before
        "process_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    (out / "judge_summary.json").write_text(json.dumps(summary, indent=2, default=str) + "\n")
    return summary


def _write_jsonl(path: Path, records: list[dict]) -> None:
    tmp = path.with_suffix(".partial")
    tmp.write_text("".join(json.dumps(r, ensure_ascii=False, default=str) + "\n" for r in records))
    tmp.rename(path)
