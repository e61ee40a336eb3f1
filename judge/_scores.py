"""Per-answer scores that need no LLM judge: cosine similarity to the reference, fact recall and
fact errors against the policy facts the reference states (`_facts.py`), the rule-based policy
checks, answer length and whether the answer was cut at the cap. An answer that an
endpoint failed to give is kept as a row with no scores and its failure, never dropped."""

from __future__ import annotations

from synth import Domain, load_embedder

from ._facts import score_facts
from ._policy import PolicyChecker
from ._similarity import cosine_scores


def answer_fields(rec: dict) -> dict:
    """What a scores row keeps of the answer record, whatever the items are."""
    return {
        "answer_status": rec.get("status", "ok"),
        "answer": rec.get("answer"),
        "answer_tokens": rec.get("answer_tokens"),
        "truncated": rec.get("truncated"),
        "loop_blocked": rec.get("loop_blocked"),
    }


def skipped_metrics(domain: Domain) -> dict[str, str]:
    """The metrics a domain's data cannot support, each with the reason (recorded in the results)."""
    if domain.has_policy:
        return {}
    why = "the domain has no policy sheet (policy.yaml): nothing states which facts, amounts and contacts are right"
    return {"fact_recall": why, "fact_error": why, "policy_pass": why}


def score_answers(domain: Domain, rows: list[dict], answers: dict[str, list[dict]]) -> list[dict]:
    """One row per (test item, contestant), contestants in the order given, items in row order."""
    checker = PolicyChecker(domain) if domain.has_policy else None
    embedder = load_embedder()
    scored = []
    for name, records in answers.items():
        present = [i for i, rec in enumerate(records) if rec.get("status", "ok") == "ok"]
        cosine = {}
        if present:
            cos = cosine_scores(
                [records[i]["answer"] for i in present], [rows[i]["response"] for i in present], embedder
            )
            cosine = dict(zip(present, cos, strict=True))
        for i, (row, rec) in enumerate(zip(rows, records, strict=True)):
            sample = {
                "question_id": row["id"],
                "contestant": name,
                "intent": row["intent"],
                "category": row["category"],
                "task": row["task"],
                **answer_fields(rec),
                "cosine": None,
                "facts_expected": len(row.get("facts") or []),
                "fact_recall": None,
                "fact_error": None,
                "policy_passed": None,
                "policy_failures": [],
            }
            if i in cosine:
                sample.update(
                    cosine=round(cosine[i], 6),
                    **score_facts(
                        list(row.get("facts") or []), rec["answer"], f"{row.get('query', '')} {row.get('evidence', '')}"
                    ),
                )
                if checker is not None:
                    verdict = checker.check(rec["answer"], row)
                    sample.update(policy_passed=verdict.passed, policy_failures=verdict.failures)
            else:
                sample["answer_error"] = rec.get("reason")
            scored.append(sample)
    return scored
