"""The judge client against a real HTTP server on loopback that injects faults."""

from __future__ import annotations

import json
import socket

import pytest

from judge import _single as single
from judge._client import JudgeEndpoint, JudgeRequest, JudgeUnavailable, read_judgments, run_judgments
from tests.judge.fault_server import FaultServer


def requests(n: int, start: int = 0) -> list[JudgeRequest]:
    return [
        single.request(f"s{i}:single:tuned", f"question {i}?", "reference", f"answer {i}")
        for i in range(start, start + n)
    ]


def endpoint(server: FaultServer, **kw) -> JudgeEndpoint:
    return JudgeEndpoint(model="judge-test", base_url=server.base_url, **{"timeout": 5.0, "max_retries": 3, **kw})


def test_concurrent_judgments_are_all_kept_and_a_rerun_sends_nothing(tmp_path):
    out = tmp_path / "judgments.jsonl"
    with FaultServer(delay=0.2) as server:
        first = run_judgments(requests(16), endpoint(server, concurrency=8), out)
        assert server.hits == 16 and server.max_in_flight > 1
        again = run_judgments(requests(16), endpoint(server, concurrency=8), out)
        assert server.hits == 16  # everything cached: zero judge requests
    assert [r["parsed"] for r in first] == [r["parsed"] for r in again]
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(records) == 16 and all(r["status"] == "ok" and 1 <= r["parsed"] <= 10 for r in records)
    for r in records:
        assert {"judge_model", "prompt_name", "prompt", "raw_output", "parsed", "usage", "seconds"} <= r.keys()


def test_429_500_and_timeouts_are_retried(tmp_path):
    with FaultServer() as server:
        server.faults = ["429", "500", "hang"]
        [record] = run_judgments(requests(1), endpoint(server, timeout=0.5), tmp_path / "j.jsonl")
        assert record["status"] == "ok" and server.hits == 4


def test_garbage_is_unscored_with_a_reason_and_counted(tmp_path):
    with FaultServer() as server:
        server.faults = ["garbage"]
        records = run_judgments(requests(3), endpoint(server, concurrency=1, structured=False), tmp_path / "j.jsonl")
    statuses = [r["status"] for r in records]
    assert statuses.count("unscored") == 1 and statuses.count("ok") == 2
    bad = next(r for r in records if r["status"] == "unscored")
    assert bad["parsed"] is None and "no [[rating]]" in bad["reason"]


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


def test_endpoint_down_is_a_clear_error_and_finished_judgments_stay(tmp_path):
    out = tmp_path / "j.jsonl"
    with FaultServer() as server:
        run_judgments(requests(3), endpoint(server), out)
        url = server.base_url
    with socket.socket() as s:  # make sure nothing listens there any more
        assert s.connect_ex(("127.0.0.1", int(url.split(":")[2].split("/")[0]))) != 0
    down = JudgeEndpoint(model="judge-test", base_url=url, timeout=1.0, max_retries=1)
    with pytest.raises(JudgeUnavailable, match="unreachable after 1 retries"):
        run_judgments(requests(5), down, out)
    assert len(read_judgments(out)) == 3


def test_the_api_key_is_sent_but_never_written(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-secret-4242")
    out = tmp_path / "j.jsonl"
    with FaultServer() as server:
        run_judgments(requests(2), endpoint(server), out)
        assert all(h == "Bearer sk-test-secret-4242" for h in server.auth_headers)
    assert "sk-test-secret-4242" not in out.read_text()
    assert "sk-test-secret-4242" not in json.dumps(endpoint(server).describe())
