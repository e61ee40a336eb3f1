"""The rubric protocol against real HTTP servers on loopback: one that returns logprobs (scores are
P(yes) / (P(yes) + P(no)) from them) and one that does not (scores are the parsed token)."""

import json
import math

import pytest

from judge import _rubric as rubric
from judge._client import JudgeEndpoint, run_judgments
from tests.judge.fault_server import FaultServer


def _requests():
    return rubric.requests("q1:rubric:tuned", "I lost my card.", "Freeze it in the app.", "Freeze the card now.")


@pytest.mark.parametrize("logprobs", [True, False])
def test_every_item_is_scored_with_or_without_logprobs(tmp_path, logprobs):
    reqs = _requests()
    with FaultServer(logprobs=logprobs) as server:
        ep = JudgeEndpoint(model="judge", base_url=server.base_url)
        records = run_judgments(reqs, ep, tmp_path / "j.jsonl")
        bodies = list(server.bodies)
    assert [r["status"] for r in records] == ["ok"] * len(rubric.ITEMS)
    for body in bodies:  # one token, logprobs asked for, no response_format
        assert body["max_tokens"] == 1 and body["logprobs"] is True and body["top_logprobs"] == rubric.TOP_LOGPROBS
        assert "response_format" not in body and "grammar" not in body  # grammar only for llama.cpp servers
    for req, rec in zip(reqs, records, strict=True):
        p = FaultServer.p_yes(req.messages)
        if logprobs:  # renormalised over yes / no: the server's "Maybe" is left out; " No" counts as no
            assert rec["parsed"] == pytest.approx(p, abs=1e-5)
            assert rec["reason"] == "ok (logprobs)" and rec["logprobs"][0]["token"] == "yes"
        else:
            assert rec["parsed"] == (1.0 if p >= 0.5 else 0.0)
            assert rec["reason"] == "ok (token)" and rec["logprobs"] is None
    kept = [json.loads(line) for line in (tmp_path / "j.jsonl").read_text().splitlines()]
    assert {k["rubric_item"] for k in kept} == {i.name for i in rubric.ITEMS}
    assert all(k["prompt"] and "raw_output" in k for k in kept)  # every question, prompt and raw output kept


def test_the_judge_score_is_the_product_of_the_good_outcomes(tmp_path):
    reqs = _requests()
    with FaultServer() as server:
        records = run_judgments(reqs, JudgeEndpoint(model="judge", base_url=server.base_url), tmp_path / "j.jsonl")
    by_item = {r["rubric_item"]: r for r in records}
    combined = rubric.combine(by_item)
    expected = math.prod(
        by_item[i.name]["parsed"] if i.good == "yes" else 1 - by_item[i.name]["parsed"] for i in rubric.ITEMS
    )
    assert combined["judge_status"] == "ok" and combined["judge_score"] == pytest.approx(expected, abs=1e-5)
    assert set(combined["rubric"]) == {i.name for i in rubric.ITEMS}


def test_an_unparsable_item_leaves_the_answer_unscored(tmp_path):
    reqs = _requests()
    with FaultServer() as server:
        server.faults = [None, "garbage"]  # faults go by arrival order: one request at a time
        ep = JudgeEndpoint(model="judge", base_url=server.base_url, concurrency=1)
        records = run_judgments(reqs, ep, tmp_path / "j.jsonl")
    combined = rubric.combine({r["rubric_item"]: r for r in records})
    assert records[1]["status"] == "unscored" and "neither yes nor no" in records[1]["reason"]
    assert combined["judge_score"] is None and combined["judge_status"] == "unscored"
    assert "complete" in combined["judge_reason"]


def test_p_yes_reads_every_spelling_and_falls_back_to_the_token():
    choice = {"logprobs": {"content": [{"token": "Yes", "logprob": -0.5, "top_logprobs": [
        {"token": "Yes", "logprob": math.log(0.3)}, {"token": " yes", "logprob": math.log(0.3)},
        {"token": "NO", "logprob": math.log(0.2)}, {"token": "The", "logprob": math.log(0.2)}]}]}}  # fmt: skip
    value, how, _ = rubric.p_yes("Yes", choice)
    assert how == "logprobs" and value == pytest.approx(0.75)
    assert rubric.p_yes("no.", None)[:2] == (0.0, "token")
    assert rubric.p_yes("Maybe", {"logprobs": {"content": [{"token": "Maybe", "logprob": 0.0}]}})[0] is None


def test_without_a_reference_the_items_that_need_one_are_not_asked():
    reqs = rubric.requests("x", "question", None, "answer")
    assert [r.meta["rubric_item"] for r in reqs] == [i.name for i in rubric.ITEMS if i.question_noref]
    assert all("Reference answer" not in r.messages[1]["content"] for r in reqs)
    assert all(r.prompt_name.endswith(":noref") for r in reqs)
