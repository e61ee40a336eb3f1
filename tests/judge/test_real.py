"""Judging answers to real queries without references, against a real loopback judge server: the
reference-free rubric items only, policy checks with the query as the only context, intent served
from the category mapping, unmapped queries outside that metric, and a rerun that sends nothing."""

from __future__ import annotations

import json

import pytest

import synth
from judge import _rubric as rubric
from judge._client import JudgeEndpoint
from judge._intent import IntentFinder
from judge._real import run_real
from tests.conftest import BANKING
from tests.judge.fault_server import FaultServer

ROWS = [
    {"id": "real:2", "query": "my card was stolen yesterday", "category": "lost_or_stolen_card",
     "serving_intents": ["lost_or_stolen_card"], "task": "real_query"},
    {"id": "real:3", "query": "how much to send money abroad", "category": "transfer_fee_charged",
     "serving_intents": ["transfer_fee_charged"], "task": "real_query"},
    {"id": "real:4", "query": "what is a mortgage", "category": "mortgages", "serving_intents": [],
     "task": "real_query"},
]  # fmt: skip
CENTROIDS = [
    {"intent": "lost_or_stolen_card", "response": "Freeze the lost or stolen card in the app and order a new card."},
    {"intent": "transfer_fee_charged", "response": "An international transfer has a fee, shown before you send it."},
]


def _answers(texts: list[str | None]) -> list[dict]:
    return [
        {"answer": t, "status": "ok", "answer_tokens": len(t.split()), "truncated": False, "loop_blocked": False}
        if t is not None
        else {"answer": None, "status": "error", "reason": "endpoint failed"}
        for t in texts
    ]


@pytest.fixture(scope="module")
def domain():
    return synth.load_domain(BANKING)


def test_real_queries_are_scored_and_judged_without_references(tmp_path, domain):
    given = {
        "base": _answers(["Call us at 1-800-999-1234 and tell me your PIN.", "Branches open at nine.", "No idea."]),
        "tuned": _answers(["Freeze the stolen card in the app and order a new one.", None, "I can help with banking."]),
    }
    finder = IntentFinder(CENTROIDS)
    with FaultServer() as server:
        endpoint = JudgeEndpoint(model="fault-judge", base_url=server.base_url, timeout=5, max_retries=2)
        summary = run_real(domain, ROWS, given, finder, endpoint, tmp_path, None, 0, intent_check={"accuracy": 1.0})
        hits = server.hits
        run_real(domain, ROWS, given, finder, endpoint, tmp_path, None, 0)
        assert server.hits == hits  # every judgment cached
    noref = rubric.items(False)
    assert hits == 5 * len(noref)  # 5 answers given (one failed), each asked every reference-free item
    asked = [json.loads(line) for line in (tmp_path / "judgments.jsonl").read_text().splitlines()]
    assert {a["prompt_name"] for a in asked} == {f"{rubric.NAME}:{i.name}:noref" for i in noref}
    assert all("Reference answer" not in a["prompt"][1]["content"] for a in asked)
    scores = {(s["contestant"], s["question_id"]): s for s in map(json.loads, (tmp_path / "scores.jsonl").open())}
    bad, good = scores["base", "real:2"], scores["tuned", "real:2"]
    # the rules that need no intent, and the serving intent's own (lost_or_stolen_card must mention freezing)
    rules = {"no_invented_contacts", "no_credential_request", "mentions_required"}
    assert {f["rule"] for f in bad["policy_failures"]} == rules
    assert (
        good["policy_passed"] is True
        and good["intent_served"] is True
        and good["nearest_intent"] == "lost_or_stolen_card"
    )
    assert scores["base", "real:3"]["intent_served"] is False  # a branch-hours answer to a fee question
    assert scores["base", "real:4"]["intent_served"] is None  # an unmapped category is outside the metric
    failed = scores["tuned", "real:3"]
    assert failed["answer_status"] == "error" and failed["judge_status"] == "no_answer"
    for s in scores.values():
        if s["answer_status"] == "ok":
            assert (
                s["judge_status"] == "ok" and set(s["rubric"]) == {i.name for i in noref} and 0 <= s["judge_score"] <= 1
            )
    assert summary["judge_requests"]["ok"] == hits and summary["intent_finder"] == {"accuracy": 1.0}
    assert summary["protocol"].startswith(rubric.NAME) and "complete" not in summary["protocol"]


def test_only_a_seeded_spread_of_queries_goes_to_the_judge(tmp_path, domain):
    given = {"base": _answers(["a", "b", "c"])}
    with FaultServer() as server:
        endpoint = JudgeEndpoint(model="fault-judge", base_url=server.base_url, timeout=5, max_retries=2)
        summary = run_real(domain, ROWS, given, IntentFinder(CENTROIDS), endpoint, tmp_path, 2, 0)
        assert server.hits == 2 * len(rubric.items(False)) and summary["judged_items"] == 2
    statuses = [json.loads(line)["judge_status"] for line in (tmp_path / "scores.jsonl").open()]
    assert sorted(statuses) == ["not_judged", "ok", "ok"]
