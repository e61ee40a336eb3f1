"""The judge client against a real HTTP server on loopback that injects faults: every request ends
as one record with a status ("ok", "unscored" or "error" with an error_kind), never an exception."""

from __future__ import annotations

import json
import socket
import time

import pytest

from judge import _single as single
from judge._client import (
    ERROR_KINDS,
    STATUSES,
    JudgeEndpoint,
    JudgeRequest,
    JudgeUnavailable,
    preflight,
    read_judgments,
    reusable,
    run_judgments,
    status_counts,
)
from tests.judge.fault_server import FAULTS, RANDOM_FAULTS, FaultServer

SECRET = "sk-test-secret-4242"


def requests(n: int, start: int = 0) -> list[JudgeRequest]:
    return [
        single.request(f"s{i}:single:tuned", f"question {i}?", "reference", f"answer {i}")
        for i in range(start, start + n)
    ]


def endpoint(server: FaultServer | str, **kw) -> JudgeEndpoint:
    url = server if isinstance(server, str) else server.base_url
    return JudgeEndpoint(model="judge-test", base_url=url, **{"timeout": 5.0, "max_retries": 3, **kw})


def dead_url() -> str:
    """The base URL of a server that has stopped: nothing listens on its port any more."""
    with FaultServer() as server:
        url, port = server.base_url, server.port
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0
    return url


def lines(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_concurrent_judgments_are_all_kept_and_a_rerun_sends_nothing(tmp_path):
    out = tmp_path / "judgments.jsonl"
    with FaultServer(delay=0.2) as server:
        first = run_judgments(requests(16), endpoint(server, concurrency=8), out)
        assert server.hits == 16 and server.max_in_flight > 1
        again = run_judgments(requests(16), endpoint(server, concurrency=8), out)
        assert server.hits == 16  # everything cached: zero judge requests
    assert [r["parsed"] for r in first] == [r["parsed"] for r in again]
    records = lines(out)
    assert len(records) == 16 and all(r["status"] == "ok" and 1 <= r["parsed"] <= 10 for r in records)
    for r in records:
        assert {"judge_model", "prompt_name", "prompt", "raw_output", "parsed", "usage", "seconds"} <= r.keys()
        assert r["reason"] == "ok" and r["finish_reason"] == "stop" and "error_kind" not in r


def test_a_new_stage_reuses_an_earlier_stages_judgments_of_the_same_question(tmp_path):
    """The same judge asked the same messages under the same prompt name takes the earlier output
    (marked `reused_from`, under the new request's id) and is not asked; anything else is sent."""
    earlier = tmp_path / "judge-a" / "judgments.jsonl"
    with FaultServer() as server:
        first = run_judgments(requests(6), endpoint(server), earlier)
        reuse = reusable(lines(earlier), "judge-a")
        renamed = [single.request(f"t{i}:single:base", f"question {i}?", "reference", f"answer {i}") for i in range(6)]
        later = tmp_path / "judge-b" / "judgments.jsonl"
        got = run_judgments([*renamed, *requests(2, start=6)], endpoint(server), later, reuse=reuse)
        assert server.hits == 6 + 2  # only the two never asked before
        another = JudgeEndpoint(model="another-judge", base_url=server.base_url, timeout=5.0, max_retries=3)
        other = run_judgments(renamed[:1], another, tmp_path / "c.jsonl", reuse=reuse)
        assert server.hits == 9 and "reused_from" not in other[0]  # another judge is asked again
    assert [r["id"] for r in got[:6]] == [r.id for r in renamed] and all(r["reused_from"] == "judge-a" for r in got[:6])
    assert [r["parsed"] for r in got[:6]] == [r["parsed"] for r in first] and "reused_from" not in got[6]
    assert len(read_judgments(later)) == 8  # written like any judgment, so a resume keeps them


def test_429_500_and_timeouts_are_retried(tmp_path):
    with FaultServer() as server:
        server.faults = ["hang", "429", "500", "503"]
        [record] = run_judgments(requests(1), endpoint(server, timeout=0.5, max_retries=4), tmp_path / "j.jsonl")
        assert record["status"] == "ok" and server.hits == 5


def test_garbage_is_unscored_with_a_reason_and_counted(tmp_path):
    with FaultServer() as server:
        server.faults = ["garbage"]
        records = run_judgments(requests(3), endpoint(server, concurrency=1, structured=False), tmp_path / "j.jsonl")
    statuses = [r["status"] for r in records]
    assert statuses.count("unscored") == 1 and statuses.count("ok") == 2
    bad = next(r for r in records if r["status"] == "unscored")
    assert bad["parsed"] is None and "no [[rating]]" in bad["reason"]


# fault, faults to script (enough to outlast max_retries=1), expected status, error_kind, words in the reason
FAULT_CASES = [
    ("html200", 1, "error", "bad_body", "not JSON (text/html): <html> <head><title>502 Bad Gateway"),
    ("broken_json", 1, "error", "bad_body", "not JSON (application/json)"),
    ("no_choices", 1, "error", "bad_body", "has no `choices` list"),
    ("empty_choices", 1, "unscored", None, "no choices"),
    ("no_message", 1, "unscored", None, "the first choice has no `message`"),
    ("null_content", 1, "unscored", None, "the message content is null (finish_reason stop)"),
    ("garbage", 1, "unscored", None, "not a JSON object with a rating"),
    ("400", 1, "error", "http_4xx", "HTTP 400: injected 400"),
    ("401", 1, "error", "http_4xx", "HTTP 401: Incorrect API key provided: ***."),
    ("404_model", 1, "error", "http_4xx", "HTTP 404: The model `judge-test` does not exist"),
    ("429", 2, "error", "http_4xx", "HTTP 429: injected 429 (after 1 retry)"),
    ("500", 2, "error", "http_5xx", "HTTP 500: injected 500 (after 1 retry)"),
    ("503", 2, "error", "http_5xx", "HTTP 503: injected 503 (after 1 retry)"),
    ("reset", 2, "error", "connection", "unreachable: RemoteProtocolError"),
    ("hang", 2, "error", "timeout", "no answer within 0.3 s (after 1 retry)"),
    ("down", 1, "error", "connection", "unreachable: ConnectError"),
]


def test_every_fault_kind_is_covered():
    assert {case[0] for case in FAULT_CASES} == set(FAULTS)
    assert set(RANDOM_FAULTS) == set(FAULTS) - {"down"}


@pytest.mark.parametrize(("fault", "times", "status", "kind", "reason"), FAULT_CASES, ids=[c[0] for c in FAULT_CASES])
def test_each_fault_ends_as_a_record_with_its_status_and_reason(
    tmp_path, monkeypatch, fault, times, status, kind, reason
):
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    out = tmp_path / "j.jsonl"
    with FaultServer() as server:
        server.faults = [fault] * times  # the first request meets the fault (and each of its retries)
        ep = endpoint(server, timeout=0.3, max_retries=1, concurrency=1)
        records = run_judgments(requests(3), ep, out)
        hits = server.hits
    assert [r["id"] for r in records] == [r.id for r in requests(3)] and len(lines(out)) == 3
    first, rest = records[0], records[1:]
    assert first["status"] == status and first.get("error_kind") == kind, first
    assert reason in first["reason"], first["reason"]
    assert "\n" not in first["reason"] and len(first["reason"]) <= 500
    if status == "error":
        assert first["error"] == first["reason"] and kind in ERROR_KINDS
    else:
        assert first["parsed"] is None and first["usage"]
    if fault == "down":  # the server is gone: the other two are refused too
        assert hits == 1 and all(r["status"] == "error" and r["error_kind"] == "connection" for r in rest)
    else:
        assert all(r["status"] == "ok" for r in rest) and hits == times + 2
    assert SECRET not in out.read_text()
    # A rerun against a healthy judge sends the errors again, and only them.
    with FaultServer() as healthy:
        again = run_judgments(requests(3), endpoint(healthy, max_retries=1), out)
        assert healthy.hits == sum(r["status"] == "error" for r in records)
    assert [r["status"] for r in again] == ["ok" if status == "error" else status, "ok", "ok"]


def test_a_30_percent_fault_run_finishes_and_a_rerun_retries_only_the_errors(tmp_path):
    out = tmp_path / "j.jsonl"
    ep_kw = {"timeout": 0.5, "max_retries": 1, "concurrency": 1}  # concurrency 1: the same faults every time
    with FaultServer(fault_rate=0.3, seed=0) as server:
        records = run_judgments(requests(60), endpoint(server, **ep_kw), out)
        counts = status_counts(records)
        assert len(records) == 60 and all(r["status"] in STATUSES for r in records)
        assert counts["ok"] + counts["unscored"] + counts["error"] == 60
        assert counts["error"] > 0 and counts["unscored"] > 0 and counts["ok"] > 30, counts
        assert set(counts["error_kinds"]) <= set(ERROR_KINDS) and sum(counts["error_kinds"].values()) == counts["error"]
        assert len(set(server.injected)) > 5  # many kinds of fault met
        errors = {r["id"] for r in records if r["status"] == "error"}
        unscored = {r["id"]: r for r in records if r["status"] == "unscored"}
        server.fault_rate = 0.0
        hits = server.hits
        again = run_judgments(requests(60), endpoint(server, **ep_kw), out)
        assert server.hits == hits + len(errors)  # only the errors are sent again
    assert all(r["status"] == "ok" for r in again if r["id"] in errors)
    assert {r["id"]: r for r in again if r["id"] in unscored} == unscored  # unscored ones are kept as they were
    assert status_counts(again)["error"] == 0


def test_endpoint_down_mid_run_leaves_error_records_and_a_rerun_completes_them(tmp_path):
    out = tmp_path / "j.jsonl"
    with FaultServer() as server:
        server.faults = [None, None, None, "down"]  # three answers, then the server stops listening
        records = run_judgments(requests(8), endpoint(server, timeout=1.0, max_retries=1, concurrency=1), out)
        assert server.hits == 4
    assert [r["status"] for r in records] == ["ok"] * 3 + ["error"] * 5
    assert all(r["error_kind"] == "connection" and "unreachable" in r["reason"] for r in records[3:])
    assert len(read_judgments(out)) == 3 and len(lines(out)) == 8  # the errors are on file, with their reason
    with FaultServer() as back:  # the judge is back (on another port: records are keyed by id alone)
        resumed = run_judgments(requests(8), endpoint(back), out)
        assert back.hits == 5
    assert [r["status"] for r in resumed] == ["ok"] * 8
    assert [r["parsed"] for r in resumed[:3]] == [r["parsed"] for r in records[:3]]
    assert len(read_judgments(out)) == 8


def test_endpoint_down_is_a_clear_error_and_finished_judgments_stay(tmp_path):
    out = tmp_path / "j.jsonl"
    with FaultServer() as server:
        run_judgments(requests(3), endpoint(server), out)
        url = server.base_url
    down = JudgeEndpoint(model="judge-test", base_url=url, timeout=1.0, max_retries=1)
    records = run_judgments(requests(5), down, out)  # no exception: the caller decides
    assert [r["status"] for r in records] == ["ok"] * 3 + ["error"] * 2
    assert all(r["reason"].startswith("unreachable: ConnectError") for r in records[3:])
    assert all(r["reason"].endswith("(after 1 retry)") for r in records[3:])
    assert len(read_judgments(out)) == 3


def test_a_judge_unreachable_many_times_in_a_row_skips_the_rest(tmp_path):
    ep = JudgeEndpoint(model="judge-test", base_url=dead_url(), max_retries=1, concurrency=1, unreachable_limit=2)
    began = time.perf_counter()
    records = run_judgments(requests(30), ep, tmp_path / "j.jsonl")
    assert time.perf_counter() - began < 10  # 2 requests with their retries, not 30
    assert [r["error_kind"] for r in records] == ["connection"] * 2 + ["skipped"] * 28
    assert records[-1]["reason"].startswith(f"not sent: the judge at {ep.base_url} was unreachable for the last 2")
    assert status_counts(records) == {
        "ok": 0,
        "unscored": 0,
        "error": 30,
        "error_kinds": {"connection": 2, "skipped": 28},
    }


def test_interrupted_run_ends_with_the_same_judgments(tmp_path):
    with FaultServer() as server:
        whole = run_judgments(requests(10), endpoint(server), tmp_path / "whole.jsonl")
        part = tmp_path / "part.jsonl"
        run_judgments(requests(4), endpoint(server), part)
        with part.open("a") as fh:
            fh.write('{"id": "s5:single:tuned", "sta')  # killed mid-write
        hits = server.hits
        resumed = run_judgments(requests(10), endpoint(server), part)
        assert server.hits == hits + 6
    assert [r["parsed"] for r in resumed] == [r["parsed"] for r in whole]
    assert len(read_judgments(part)) == 10


def test_the_api_key_is_sent_but_never_written(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    out = tmp_path / "j.jsonl"
    with FaultServer() as server:
        server.faults = ["401"]  # a server that echoes the key in its error message
        records = run_judgments(requests(2), endpoint(server, concurrency=1), out)
        assert all(h == f"Bearer {SECRET}" for h in server.auth_headers)
    assert records[0]["status"] == "error" and "***" in records[0]["reason"]
    assert SECRET not in out.read_text()
    assert SECRET not in json.dumps(endpoint(server).describe())


def test_status_counts():
    records = [
        {"status": "ok"},
        {"status": "unscored"},
        {"status": "error", "error_kind": "timeout"},
        {"status": "error", "error_kind": "http_4xx"},
        {"status": "error", "error_kind": "timeout"},
        {"status": "error"},  # written before error kinds
        {"status": "not_judged"},
    ]
    assert status_counts(records) == {
        "ok": 1,
        "unscored": 1,
        "error": 4,
        "not_judged": 1,
        "error_kinds": {"http_4xx": 1, "timeout": 2, "unknown": 1},
    }
    assert status_counts([]) == {"ok": 0, "unscored": 0, "error": 0, "error_kinds": {}}


def test_preflight_passes_on_a_healthy_judge_with_one_tiny_request():
    with FaultServer() as server:
        preflight(endpoint(server))
        assert server.hits == 1
        [body] = server.bodies
    assert body["model"] == "judge-test" and body["max_tokens"] <= 4 and "response_format" not in body
    assert body["messages"] == [{"role": "user", "content": "Reply with OK."}]


@pytest.mark.parametrize(
    ("fault", "words"),
    [
        ("down", "unreachable: ConnectError"),
        ("404_model", "HTTP 404: The model `judge-test` does not exist"),
        ("html200", "HTTP 200 but the body is not JSON (text/html): <html>"),
        ("no_choices", "has no `choices` list"),
        ("hang", "no answer within 0.3 s"),
        ("401", "HTTP 401: Incorrect API key provided: ***."),
    ],
)
def test_preflight_fails_fast_with_a_one_line_message(monkeypatch, fault, words):
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    with FaultServer() as server:
        server.faults = [fault] * 2
        ep = endpoint(server if fault != "down" else dead_url())
        began = time.perf_counter()
        with pytest.raises(JudgeUnavailable) as info:
            preflight(ep, timeout=0.3)
        assert time.perf_counter() - began < 5
    message = str(info.value)
    assert message.startswith(f"judge at {ep.base_url} (model judge-test) cannot serve a chat completion: ")
    assert words in message and "\n" not in message and len(message) <= 400
    assert SECRET not in message
