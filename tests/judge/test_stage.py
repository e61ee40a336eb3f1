"""The judge stage end to end on a tiny trained adapter, judged by the fault-injecting server."""

from __future__ import annotations

import json

import pytest

import synth
from judge._client import JudgeEndpoint
from judge._generate import GenerationSettings
from judge._remote import RemoteContestant, parse_contestant
from judge._run import JudgeSettings, run
from tests.conftest import BANKING
from tests.judge.fault_server import FaultServer
from train import Recipe
from train import run as train_run


def test_judge_stage_writes_scores_and_a_rerun_sends_nothing(tmp_path, tiny_llama):
    data = tmp_path / "ds"
    synth.build(BANKING, synth.SynthSettings.sized(40, seed=0), data)
    recipe = Recipe(
        base_model=str(tiny_llama),
        sequence_len=1024,
        micro_batch_size=4,
        max_steps=3,
        eval_steps=3,
        lora_r=4,
        learning_rate=5e-2,
        max_eval_samples=4,
    )
    train_run(data, recipe, tmp_path / "train", progress=False)
    domain = synth.load_domain(BANKING)
    settings = JudgeSettings(
        generation=GenerationSettings(max_new_tokens=8, batch_size=4), max_items=6, calibration_probes=2
    )
    out = tmp_path / "judge"
    with FaultServer() as server:
        endpoint = JudgeEndpoint(model="fault-judge", base_url=server.base_url, timeout=5, max_retries=2)
        summary = run(domain, data, tmp_path / "train", endpoint, out, settings)
        hits = server.hits
        again = run(domain, data, tmp_path / "train", endpoint, out, settings)
        assert server.hits == hits  # everything cached: zero judge requests
    assert hits == 6 * 2 + 6 * 2 + 2 * 6  # single x2, pairwise x2, calibration (4 singles + 2 pairs) per probe
    scores = [json.loads(line) for line in (out / "scores.jsonl").read_text().splitlines()]
    assert len(scores) == 12 and {s["contestant"] for s in scores} == {"base", "tuned"}
    for s in scores:
        assert -1 <= s["cosine"] <= 1 and isinstance(s["policy_passed"], bool) and s["judge_status"] == "ok"
    pairs = [json.loads(line) for line in (out / "pairwise.jsonl").read_text().splitlines()]
    assert len(pairs) == 6 and all(p["winner"] in ("base", "tuned", "tie") for p in pairs)
    assert summary["calibration"]["probes"] == 2 and "passed" in summary["calibration"]
    assert summary["judge"]["model"] == "fault-judge" and summary["items"] == 6
    assert again["identical_fraction"] == summary["identical_fraction"]
    assert len((out / "answers_base.jsonl").read_text().splitlines()) == 6  # not generated twice


def test_endpoint_contestant_and_a_judged_subset(tmp_path, tiny_llama):
    data = tmp_path / "ds"
    synth.build(BANKING, synth.SynthSettings.sized(40, seed=0), data)
    recipe = Recipe(base_model=str(tiny_llama), sequence_len=1024, micro_batch_size=4, max_steps=1, lora_r=4)
    train_run(data, recipe, tmp_path / "train", progress=False)
    out = tmp_path / "judge"
    with FaultServer() as server:
        contestant = parse_contestant(f"openai:remote-model@{server.base_url}")
        settings = JudgeSettings(
            generation=GenerationSettings(max_new_tokens=8, batch_size=4),
            max_items=6,
            judge_items=3,
            calibration_probes=1,
            contestants=(contestant,),
        )
        endpoint = JudgeEndpoint(model="fault-judge", base_url=server.base_url, timeout=5, max_retries=2)
        summary = run(synth.load_domain(BANKING), data, tmp_path / "train", endpoint, out, settings)
        hits = server.hits
        run(synth.load_domain(BANKING), data, tmp_path / "train", endpoint, out, settings)
        assert server.hits == hits  # the contestant's answers are cached too
    # 6 contestant answers, 3 judged items x (3 singles + 2 pairwise), 1 probe x 6
    assert hits == 6 + 3 * 5 + 6
    scores = [json.loads(line) for line in (out / "scores.jsonl").read_text().splitlines()]
    assert {s["contestant"] for s in scores} == {"base", "tuned", "openai:remote-model"}
    remote = [s for s in scores if s["contestant"] == "openai:remote-model"]
    assert len(remote) == 6 and all("Rating" in s["answer"] for s in remote)  # the server's own text
    assert sum(s["judge_status"] == "not_judged" for s in scores) == 3 * 3
    assert sum(s["judge_status"] == "ok" for s in scores) == 3 * 3
    answers = [json.loads(line) for line in (out / "answers_openai_remote-model.jsonl").read_text().splitlines()]
    assert answers[0]["model"] == f"remote-model@{server.base_url}" and answers[0]["prompt"][0]["role"] == "system"
    assert summary["judged_items"] == 3 and summary["contestants"]["openai:remote-model"]["model"].startswith("remote")


def test_contestant_specs():
    assert parse_contestant("openai:gpt-4o-mini") == RemoteContestant("gpt-4o-mini")
    assert parse_contestant("openai:m@http://127.0.0.1:8000/v1") == RemoteContestant("m", "http://127.0.0.1:8000/v1")
    assert parse_contestant("openai:org/m@x") == RemoteContestant("org/m@x")  # not a URL: part of the name
    with pytest.raises(ValueError, match="openai:MODEL"):
        parse_contestant("vllm:m")
