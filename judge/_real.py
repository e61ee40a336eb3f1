"""The judge's work on real customer queries, which have no reference answer: for every answer, the
rule-based policy checks (the customer's message is the only context), the intent it serves
(`_intent.py`: nearest intent vs the intents real_queries.yaml maps the query's category to), and,
for a seeded spread of items, the rubric's reference-free yes/no questions (`_rubric.py`: addresses
the request, states a wrong fact, refuses wrongly, asks for a secret). Writes scores.jsonl,
judgments.jsonl and judge_summary.json; judgments are cached in `out`, a failed one retried.
The judge's calibration is the synthetic test's (probes need references); it is not repeated here."""

from __future__ import annotations

import json
import time
from pathlib import Path

import synth
from answers import spread

from . import _rubric as rubric
from ._client import JudgeEndpoint, run_judgments, status_counts
from ._intent import IntentFinder
from ._policy import PolicyChecker
from ._run import _write_jsonl
from ._scores import answer_fields

PROTOCOL = f"{rubric.NAME} without a reference: " + ", ".join(i.name for i in rubric.items(False))


def _policy(checker: PolicyChecker, answer: str, row: dict):
    """Checked as an answer to each intent the query's category maps to; the best verdict counts
    (a query of a category with two intents may be answered as either). Unmapped: the rules that
    need no intent (amounts, contacts, credential requests)."""
    verdicts = [checker.check(answer, {"intent": name, "query": row["query"]}) for name in row["serving_intents"]]
    verdicts = verdicts or [checker.check(answer, {"intent": None, "query": row["query"]})]
    return min(verdicts, key=lambda v: len(v.failures))


def score_real_answers(
    domain: synth.Domain, rows: list[dict], answers: dict[str, list[dict]], finder: IntentFinder
) -> list[dict]:
    """One row per (query, contestant), contestants in the order given, queries in row order."""
    checker = PolicyChecker(domain)
    scored = []
    for name, records in answers.items():
        present = [i for i, rec in enumerate(records) if rec.get("status", "ok") == "ok"]
        nearest = dict(zip(present, finder.nearest([records[i]["answer"] for i in present]), strict=True))
        for i, (row, rec) in enumerate(zip(rows, records, strict=True)):
            sample = {
                "question_id": row["id"],
                "contestant": name,
                "query": row["query"],
                "category": row["category"],
                "serving_intents": row["serving_intents"],
                "task": row["task"],
                **answer_fields(rec),
                "nearest_intent": None,
                "nearest_cosine": None,
                "intent_served": None,
                "policy_passed": None,
                "policy_failures": [],
            }
            if i in nearest:
                found, cos = nearest[i]
                verdict = _policy(checker, rec["answer"], row)
                sample.update(
                    nearest_intent=found,
                    nearest_cosine=round(cos, 6),
                    intent_served=(found in row["serving_intents"]) if row["serving_intents"] else None,
                    policy_passed=verdict.passed,
                    policy_failures=verdict.failures,
                )
            else:
                sample["answer_error"] = rec.get("reason")
            scored.append(sample)
    return scored


def _requests(rows: list[dict], answers: dict[str, list[dict]], judged: set[str]) -> list:
    out = []
    for i, row in enumerate(rows):
        if row["id"] not in judged:
            continue
        for name, records in answers.items():
            rec = records[i]
            if rec.get("status", "ok") != "ok":
                continue
            meta = {"question_id": row["id"], "contestant": name, "reference": None}
            out += rubric.requests(f"{row['id']}:rubric-noref:{name}", row["query"], None, rec["answer"], meta)
    return out


def _verdict(judged: dict[str, dict], question_id: str, contestant: str) -> dict:
    base = f"{question_id}:rubric-noref:{contestant}"
    records = {i.name: judged[f"{base}:{i.name}"] for i in rubric.items(False) if f"{base}:{i.name}" in judged}
    if not records:
        return {"judge_score": None, "judge_status": "not_judged", "judge_reason": "outside --judge-items"}
    return rubric.combine(records, with_reference=False)


def run_real(
    domain: synth.Domain,
    rows: list[dict],
    answers: dict[str, list[dict]],
    finder: IntentFinder,
    endpoint: JudgeEndpoint,
    out: Path,
    judge_items: int | None,
    seed: int,
    progress=None,
    intent_check: dict | None = None,
    reuse: dict[str, dict] | None = None,
) -> dict:
    """Score and judge every contestant's answers to the real queries `rows`; write everything
    into `out`; return the summary. `intent_check`: the finder's `self_check`, kept with it.
    `reuse`: earlier stages' judgments of the same judge and protocol code (judge._client.reusable)."""
    began = time.perf_counter()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    samples = score_real_answers(domain, rows, answers, finder)
    judged_ids = {r["id"] for r in spread(rows, judge_items, f"real-judge-items:{seed}")}
    requests = _requests(rows, answers, judged_ids)
    advance = progress(f"judge (real queries): {endpoint.model}", len(requests)) if progress else None
    judged = {r["id"]: r for r in run_judgments(requests, endpoint, out / "judgments.jsonl", advance, reuse=reuse)}
    for sample in samples:
        sample.update(_verdict(judged, sample["question_id"], sample["contestant"]))
        if sample["answer_status"] != "ok" and sample["question_id"] in judged_ids:
            sample.update(judge_status="no_answer", judge_reason="no answer to judge (the endpoint failed)")
    _write_jsonl(out / "scores.jsonl", samples)
    statuses = status_counts(list(judged.values()))
    warnings = []
    if statuses["error"]:
        warnings.append(
            f"real queries: the judge failed on {statuses['error']} of {len(judged)} requests after retries "
            "(recorded in real_queries/judgments.jsonl); run the same command again to retry them"
        )
    summary = {
        "items": len(rows),
        "judged_items": len(judged_ids),
        "protocol": PROTOCOL,
        "judge": endpoint.describe(),
        "judge_requests": statuses,
        "reused_judgments": sum(bool(r.get("reused_from")) for r in judged.values()),
        "warnings": warnings,
        "intent_finder": intent_check,
        "wall_seconds": round(time.perf_counter() - began, 1),
    }
    (out / "judge_summary.json").write_text(json.dumps(summary, indent=2, default=str) + "\n")
    return summary
