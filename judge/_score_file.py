"""Scoring any answers file (as alpaca_eval scores a `--model_outputs` file): JSONL rows with
`question`, `reference` and `answer` (strings; extra fields are kept, and `intent`, `evidence` or
`facts` are used where the domain's metrics need them), scored with every metric the domain has:
cosine similarity to the reference, the rule-based policy checks, fact recall where a row lists
its `facts`, and the judge's rubric (every item kept). Judgments are cached in a JSONL file, so a
rerun sends nothing twice."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from synth import Domain, load_embedder

from . import _rubric as rubric
from ._client import JudgeEndpoint, run_judgments, status_counts
from ._errors import ScoreFileError
from ._facts import score_facts
from ._policy import PolicyChecker
from ._similarity import cosine_scores

REQUIRED = ("question", "reference", "answer")


def read_rows(path: Path) -> list[dict]:
    """The file's rows; ScoreFileError naming the file and line for a line that is not a JSON object
    with string `question`, `reference` and `answer`."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ScoreFileError(f"{path}: cannot read it: {exc}") from None
    rows = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            raise ScoreFileError(f"{path}:{n}: not JSON ({exc.msg})") from None
        if not isinstance(row, dict):
            raise ScoreFileError(f"{path}:{n}: a JSON {type(row).__name__}, not an object")
        for field in REQUIRED:
            if field not in row:
                raise ScoreFileError(f"{path}:{n}: field '{field}' is missing (rows need {', '.join(REQUIRED)})")
            if not isinstance(row[field], str):
                raise ScoreFileError(f"{path}:{n}: field '{field}' is a {type(row[field]).__name__}, not a string")
        facts = row.get("facts")
        if facts is not None and not (
            isinstance(facts, list) and all(isinstance(f, dict) and {"key", "kind", "value"} <= f.keys() for f in facts)
        ):
            raise ScoreFileError(f"{path}:{n}: field 'facts' must be a list of {{key, kind, value}} objects")
        rows.append({**row, "_line": n})
    if not rows:
        raise ScoreFileError(f"{path}: no rows")
    return rows


def _rid(row: dict) -> str:
    """The line and what is judged on it: an edited line is judged again, not read from the cache."""
    text = json.dumps([row["question"], row["reference"], row["answer"]])
    return f"line{row['_line']}-{hashlib.sha256(text.encode()).hexdigest()[:12]}"


def score_rows(
    domain: Domain, rows: list[dict], endpoint: JudgeEndpoint, judgments: Path, progress=None
) -> tuple[list[dict], list[dict]]:
    """Every row with its scores: `cosine`, `policy_passed`, `policy_failures`, `fact_recall` (rows
    with `facts`), `judge_score` (0-1, rubric-v1), `judge_status`, `judge_reason`, `rubric` (per item:
    P(the item comes out as a good answer's would)) and `rubric_items` (per item: P(yes), how it was
    read, the judge's raw output). Returns (scored rows, this run's judgment records)."""
    requests = []
    for row in rows:
        requests += rubric.requests(_rid(row), row["question"], row["reference"], row["answer"], {"line": row["_line"]})
    advance = progress(f"judge: {endpoint.model}", len(requests)) if progress else None
    records_all = run_judgments(requests, endpoint, judgments, advance)
    judged = {r["id"]: r for r in records_all}
    cosine = cosine_scores([r["answer"] for r in rows], [r["reference"] for r in rows], load_embedder())
    checker = PolicyChecker(domain) if domain.has_policy else None  # no policy sheet: no policy rules
    out = []
    for row, cos in zip(rows, cosine, strict=True):
        records = {item.name: judged[f"{_rid(row)}:{item.name}"] for item in rubric.ITEMS}
        verdict = checker.check(row["answer"], {"query": row["question"], **row}) if checker else None
        scored = {k: v for k, v in row.items() if k != "_line"}
        scored.update(
            cosine=round(cos, 6),
            policy_passed=verdict.passed if verdict else None,
            policy_failures=verdict.failures if verdict else [],
            **rubric.combine(records),
            rubric_items={
                name: {
                    "p_yes": rec.get("parsed"),
                    "status": rec["status"],
                    "reason": rec.get("reason"),
                    "raw_output": rec.get("raw_output"),
                }
                for name, rec in records.items()
            },  # fmt: skip
        )
        if isinstance(row.get("facts"), list):
            scored.update(score_facts(row["facts"], row["answer"], f"{row['question']} {row.get('evidence', '')}"))
        out.append(scored)
    return out, records_all


def summary(scored: list[dict], judged: list[dict] | None = None) -> dict:
    def mean(values):
        values = [v for v in values if v is not None]
        return sum(values) / len(values) if values else None

    return {
        "rows": len(scored),
        "judge_score": mean(r["judge_score"] for r in scored),
        "judge_unscored": sum(r["judge_score"] is None for r in scored),
        "cosine": mean(r["cosine"] for r in scored),
        # None (shown n/a) for a domain without a policy sheet
        "policy_pass": mean(float(r["policy_passed"]) for r in scored if r["policy_passed"] is not None),
        "judge_requests": status_counts(judged or []),
    }
