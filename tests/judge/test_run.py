"""The judge stage end to end on real answers of a tiny trained adapter, judged by the
fault-injecting loopback server: scores, pairwise verdicts, calibration, and a rerun that sends
no request twice."""

from __future__ import annotations

import json

import pytest

import answers
import synth
from judge import _rubric as rubric
from judge._calibration import calibration_requests, make_probes
from judge._client import JudgeEndpoint
from judge._run import JudgeSettings, run
from tests.conftest import BANKING
from tests.judge.fault_server import FaultServer
from tests.tiny_models import tiny_recipe
from train import run as train_run


@pytest.fixture(scope="module")
def trained(tmp_path_factory, tiny_llama):
    root = tmp_path_factory.mktemp("judge-stage")
    synth.build(BANKING, synth.SynthSettings.sized(40, seed=0), root / "ds")
    recipe = tiny_recipe(tiny_llama, max_steps=3, eval_steps=3, learning_rate=5e-2, max_eval_samples=4)
    train_run(root / "ds", recipe, root / "train", progress=False)
    return root


def local_answers(root, tiny_llama, rows, settings):
    base = answers.LocalContestant(str(tiny_llama), "chat")
    tuned = answers.LocalContestant(str(tiny_llama), "chat", adapter_dir=root / "train" / "adapter")
    out = {}
    for name, contestant in (("base", base), ("tuned", tuned)):
        out[name] = answers.run(answers.plan_local(contestant, rows, settings), root / f"answers-{name}")["records"]
    return out


def test_judge_stage_writes_scores_and_a_rerun_sends_nothing(tmp_path, trained, tiny_llama):
    rows = answers.test_items(trained / "ds", 6, 0)
    given = local_answers(trained, tiny_llama, rows, answers.GenerationSettings(max_new_tokens=8, batch_size=4))
    domain = synth.load_domain(BANKING)
    settings = JudgeSettings(calibration_probes=2, pairwise=True)
    out = tmp_path / "judge"
    with FaultServer() as server:
        endpoint = JudgeEndpoint(model="fault-judge", base_url=server.base_url, timeout=5, max_retries=2)
        summary = run(domain, rows, given, endpoint, out, settings)
        hits = server.hits
        again = run(domain, rows, given, endpoint, out, settings)
        assert server.hits == hits  # everything cached: zero judge requests
    items = len(rubric.ITEMS)
    calibration = len(calibration_requests(make_probes(domain, rows, 2, 0), "rubric"))
    assert calibration >= 2 * 8 * items  # 2 probe rows, each with 2 good and up to 10 bad answers
    assert hits == 6 * 2 * items + 6 * 2 + calibration  # rubric items per answer, pairwise x2, calibration
    scores = [json.loads(line) for line in (out / "scores.jsonl").read_text().splitlines()]
    assert len(scores) == 12 and {s["contestant"] for s in scores} == {"base", "tuned"}
    for s in scores:
        assert -1 <= s["cosine"] <= 1 and isinstance(s["policy_passed"], bool) and s["judge_status"] == "ok"
        assert 0 <= s["judge_score"] <= 1 and set(s["rubric"]) == {i.name for i in rubric.ITEMS}
        assert s["truncated"] is True  # 8 tokens is far below any reference: every answer is cut
    pairs = [json.loads(line) for line in (out / "pairwise.jsonl").read_text().splitlines()]
    assert len(pairs) == 6 and all(p["winner"] in ("base", "tuned", "tie") for p in pairs)
    assert summary["calibration"]["probe_rows"] == 2 and "passed" in summary["calibration"]
    assert summary["calibration"]["position_consistency"]["pairs"] == 6  # measured on the real pairs
    assert summary["judge"]["model"] == "fault-judge" and summary["items"] == 6
    assert summary["judge_requests"] == {"ok": hits, "unscored": 0, "error": 0, "error_kinds": {}}
    assert again["identical_fraction"] == summary["identical_fraction"]


def test_endpoint_contestant_and_a_judged_subset(tmp_path, trained, tiny_llama):
    rows = answers.test_items(trained / "ds", 6, 0)
    settings = answers.GenerationSettings(max_new_tokens=8, batch_size=4)
    given = local_answers(trained, tiny_llama, rows, settings)
    with FaultServer() as server:
        contestant = answers.parse_contestant(f"openai:remote-model@{server.base_url}")
        remote = answers.run(answers.plan_endpoint(contestant, rows, settings, {"rule": "test"}), tmp_path / "remote")
        given[contestant.name] = remote["records"]
        endpoint = JudgeEndpoint(model="fault-judge", base_url=server.base_url, timeout=5, max_retries=2)
        judge_settings = JudgeSettings(judge_items=3, calibration_probes=1)
        summary = run(synth.load_domain(BANKING), rows, given, endpoint, tmp_path / "judge", judge_settings)
        hits = server.hits
        again = answers.run(answers.plan_endpoint(contestant, rows, settings, {"rule": "test"}), tmp_path / "remote")
        assert server.hits == hits and again["answered_now"] == 0  # the contestant's answers are cached too
    # 6 contestant answers, 3 judged items x 3 contestants x the rubric's items, 1 probe row's answers
    calibration = len(calibration_requests(make_probes(synth.load_domain(BANKING), rows, 1, 0), "rubric"))
    assert hits == 6 + 3 * 3 * len(rubric.ITEMS) + calibration and remote["answered_now"] == 6
    scores = [json.loads(line) for line in (tmp_path / "judge" / "scores.jsonl").read_text().splitlines()]
    assert {s["contestant"] for s in scores} == {"base", "tuned", "openai:remote-model"}
    from_remote = [s for s in scores if s["contestant"] == "openai:remote-model"]
    assert len(from_remote) == 6 and all("Rating" in s["answer"] for s in from_remote)  # the server's own text
    assert sum(s["judge_status"] == "not_judged" for s in scores) == 3 * 3
    assert sum(s["judge_status"] == "ok" for s in scores) == 3 * 3
    cached = [json.loads(line) for line in (tmp_path / "remote" / "answers.jsonl").read_text().splitlines()]
    assert cached[0]["model"] == f"remote-model@{server.base_url}" and cached[0]["prompt"][0]["role"] == "system"
    assert summary["judged_items"] == 3


def test_a_failed_endpoint_answer_is_a_counted_row_not_a_crash(tmp_path, trained, tiny_llama):
    rows = answers.test_items(trained / "ds", 3, 0)
    settings = answers.GenerationSettings(max_new_tokens=8, batch_size=4)
    given = local_answers(trained, tiny_llama, rows, settings)
    with FaultServer() as server:
        contestant = answers.RemoteContestant("remote", server.base_url)
        server.faults = ["400"]  # the first contestant call is refused: not retried
        remote = answers.run(answers.plan_endpoint(contestant, rows, settings, {"rule": "test"}), tmp_path / "remote")
        assert remote["failed"] == 1 and sum(r["status"] == "error" for r in remote["records"]) == 1
        given[contestant.name] = remote["records"]
        endpoint = JudgeEndpoint(model="fault-judge", base_url=server.base_url, timeout=5, max_retries=2)
        run(synth.load_domain(BANKING), rows, given, endpoint, tmp_path / "judge", JudgeSettings(calibration_probes=1))
        again = answers.run(answers.plan_endpoint(contestant, rows, settings, {"rule": "test"}), tmp_path / "remote")
    assert again["failed"] == 0 and again["answered_now"] == 1  # only the failed one was asked again
    scores = [json.loads(line) for line in (tmp_path / "judge" / "scores.jsonl").read_text().splitlines()]
    failed = [s for s in scores if s["answer_status"] == "error"]
    assert len(failed) == 1 and failed[0]["cosine"] is None and failed[0]["judge_status"] == "no_answer"
    from leaderboard import metrics_section

    section = metrics_section(tmp_path / "judge")  # results are made from such a run without a crash
    remote_cosine = section["results"]["openai:remote"]["cosine"]
    assert remote_cosine["n"] == 2 and remote_cosine["unscored"] == 1
    assert section["results"]["openai:remote"]["judge_score"]["unscored"] >= 1
    assert section["comparisons"]["openai:remote - base"]["cosine"]["n"] == 2  # paired on the answered items
    assert section["answer_status"]["openai:remote"] == {"ok": 2, "error": 1}


def test_contestant_specs():
    from answers import RemoteContestant, parse_contestant

    assert parse_contestant("openai:gpt-4o-mini") == RemoteContestant("gpt-4o-mini")
    assert parse_contestant("openai:m@http://127.0.0.1:8000/v1") == RemoteContestant("m", "http://127.0.0.1:8000/v1")
    assert parse_contestant("openai:org/m@x") == RemoteContestant("org/m@x")  # not a URL: part of the name
    with pytest.raises(ValueError, match="openai:MODEL"):
        parse_contestant("vllm:m")
