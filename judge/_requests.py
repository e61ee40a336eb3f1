"""The LLM-judge requests of a judge stage, and the verdicts read back from them: one
single-answer grading per judged item and contestant, and tuned vs base pairwise in both orders.
Ids are `<question_id>:single:<contestant>` and `<question_id>:pair:<1|2>`."""

from __future__ import annotations

from . import _pairwise as pairwise
from . import _rubric as rubric
from . import _single as single
from ._client import JudgeRequest

PROTOCOLS = ("rubric", "rating")  # rubric-v1 yes/no items (default); single-ref-v1 1-10 ratings


def question(row: dict) -> str:
    return row["messages"][1]["content"]  # the user turn, with the evidence for grounded items


def rubric_question(row: dict) -> str:
    """The customer's own message (the reference carries what the evidence says)."""
    return row.get("query") or row.get("question") or question(row)


def single_request(rid: str, row: dict, answer: str, meta: dict) -> JudgeRequest:
    return single.request(rid, question(row), row["response"], answer, meta)


def pair_request(rid: str, row: dict, a: str, b: str, meta: dict) -> JudgeRequest:
    return pairwise.request(rid, question(row), row["response"], a, b, meta)


def _answer(answers: dict[str, list[dict]], name: str, i: int) -> str | None:
    rec = answers[name][i]
    return rec["answer"] if rec.get("status", "ok") == "ok" else None


def single_requests(
    rows: list[dict], answers: dict[str, list[dict]], judged: set[str], protocol: str = "rubric"
) -> list[JudgeRequest]:
    """Every judged item's answer of every contestant, graded alone (an answer an endpoint failed to
    give is not sent): the rubric's items (ids `<question_id>:rubric:<contestant>:<item>`, adjacent
    per answer) or one 1-10 rating (`<question_id>:single:<contestant>`)."""
    out = []
    for i, row in enumerate(rows):
        if row["id"] not in judged:
            continue
        for name in answers:
            text = _answer(answers, name, i)
            if text is None:
                continue
            meta = {"question_id": row["id"], "contestant": name}
            if protocol == "rubric":
                out += rubric.requests(f"{row['id']}:rubric:{name}", rubric_question(row), row["response"], text, meta)
            else:
                out.append(single_request(f"{row['id']}:single:{name}", row, text, meta))
    return out


def pair_requests(
    rows: list[dict], answers: dict[str, list[dict]], judged: set[str], seed: int
) -> tuple[list[JudgeRequest], dict[str, str]]:
    """Tuned vs base in both orders for every judged item; the first order is seeded per item.
    Returns the requests and, per item, which contestant sat in position A first."""
    requests, orders = [], {}
    for i, row in enumerate(rows):
        if row["id"] not in judged:
            continue
        first_a, first_b = pairwise.first_order(row["id"], seed)
        orders[row["id"]] = first_a
        a, b = answers[first_a][i]["answer"], answers[first_b][i]["answer"]
        meta = {"question_id": row["id"], "position_a": first_a}
        requests.append(pair_request(f"{row['id']}:pair:1", row, a, b, meta))
        requests.append(pair_request(f"{row['id']}:pair:2", row, b, a, {**meta, "position_a": first_b}))
    return requests, orders


def single_verdict(judged: dict[str, dict], question_id: str, contestant: str, protocol: str = "rating") -> dict:
    """judge_score, judge_status and judge_reason of one answer, for its scores row (with the
    rubric: also `rubric`, each item's probability of a good answer's outcome)."""
    default = {"status": "not_judged", "reason": "outside --judge-items"}
    if protocol == "rubric":
        base = f"{question_id}:rubric:{contestant}"
        records = {item.name: judged[f"{base}:{item.name}"] for item in rubric.ITEMS if f"{base}:{item.name}" in judged}
        if not records:
            return {"judge_score": None, "judge_status": "not_judged", "judge_reason": default["reason"]}
        return rubric.combine(records)
    j = judged.get(f"{question_id}:single:{contestant}", default)
    return {
        "judge_score": j.get("parsed"),
        "judge_status": j["status"],
        "judge_reason": j.get("reason") or j.get("error"),
    }


def pair_outcomes(rows: list[dict], orders: dict[str, str], judged: dict[str, dict]) -> list[dict]:
    """The tuned-vs-base winner per item from its two verdicts (a verdict that flips is a tie)."""
    out = []
    for row in rows:
        if row["id"] not in orders:
            continue
        one, two = judged[f"{row['id']}:pair:1"], judged[f"{row['id']}:pair:2"]
        winner = pairwise.combine(
            pairwise.Verdict(one.get("parsed"), one.get("reason", "")),
            pairwise.Verdict(two.get("parsed"), two.get("reason", "")),
            orders[row["id"]],
        )
        out.append(
            {
                "question_id": row["id"],
                "position_a_first": orders[row["id"]],
                "winner": winner,
                "verdicts": [one.get("parsed"), two.get("parsed")],
                "statuses": [one["status"], two["status"]],
            }
        )
    return out
