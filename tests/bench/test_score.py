"""`bench score DOMAIN FILE`: any answers file scored with every metric the domain has, against a
real endpoint on loopback; bad rows are one-line errors naming the line. PAIRS are hand-written good
and bad answers to banking questions that are not in the dataset."""

from __future__ import annotations

import json

import pytest

from tests.conftest import REPO, run_bench
from tests.judge.fault_server import FaultServer

# Questions worded unlike any template; references state the policy sheet's facts; each bad answer is
# a near miss of the good one: a wrong number, a credential request, a refusal, a generic reply.
PAIRS = [
    {
        "question": "My debit card vanished after a night out, how do I stop someone using it?",
        "reference": "Freeze the card right away in the mobile app under Cards > Freeze card; the freeze takes effect "
        "immediately. To report it stolen, call the card line on 1-800-555-0199, open 24 hours a day, 7 days a week.",
        "good": "Go to the mobile app and choose Cards > Freeze card: it works immediately and can be undone later. "
        "You can report the theft at any hour on 1-800-555-0199.",
        "bad": "Go to the mobile app and choose Cards > Freeze card. To make sure it is blocked, please reply with "
        "your full card number and PIN.",
    },
    {
        "question": "If I pay extra, how fast does a replacement card get to me?",
        "reference": "Express delivery takes 2 business days and costs $15. Standard delivery is free and takes 5 to "
        "7 business days.",
        "good": "With express shipping the card reaches you in 2 business days, for a $15 fee; the standard option "
        "is free but takes 5 to 7 business days.",
        "bad": "With express shipping the card reaches you in 2 business days, for a $45 fee; the standard option "
        "is free but takes 5 to 7 business days.",
    },
    {
        "question": "What's the most I can spend with a tap of my card?",
        "reference": "Contactless payments are limited to $100 per transaction.",
        "good": "Tap to pay works for purchases up to $100 each time.",
        "bad": "I'm sorry, but I can't help with that request.",
    },
    {
        "question": "Is there a time limit on switching my new card on?",
        "reference": "Yes: activate it within 90 days, in the mobile app under Cards > Activate, or by using the card "
        "with its PIN at any Larkspur ATM.",
        "good": "You have 90 days to activate it, either in the app under Cards > Activate or with a PIN "
        "transaction at a Larkspur ATM.",
        "bad": "Please contact your bank for more information about this.",
    },
]


def _write(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.mark.parametrize(
    "line, words",
    [
        ('{"question": "q", "reference": "r"}', "2: field 'answer' is missing"),
        ("not json", "2: not JSON"),
        ('["a list"]', "2: a JSON list, not an object"),
        ('{"question": "q", "reference": "r", "answer": 5}', "2: field 'answer' is a int, not a string"),
    ],
)
def test_a_bad_row_is_one_line_naming_the_line(tmp_path, line, words):
    path = tmp_path / "answers.jsonl"
    path.write_text('{"question": "q", "reference": "r", "answer": "a"}\n' + line + "\n")
    res = run_bench("score", "banking", str(path), cwd=REPO, env={"DOMAINBENCH_HOME": str(tmp_path / "home")})
    assert res.returncode == 2 and f"{path}:{words}" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and not (tmp_path / "home").exists()  # nothing done


def test_scores_every_row_with_every_metric_against_an_endpoint_judge(tmp_path):
    rows = [{"id": f"p{i}-{kind}", "question": p["question"], "reference": p["reference"], "answer": p[kind],
             "note": kind} for i, p in enumerate(PAIRS) for kind in ("good", "bad")]  # fmt: skip
    path = _write(tmp_path / "answers.jsonl", rows)
    env = {"DOMAINBENCH_HOME": str(tmp_path / "home")}
    with FaultServer() as server:
        judge = f"openai:fault-judge@{server.base_url}"
        res = run_bench("score", "banking", str(path), "--judge", judge, cwd=REPO, env=env)
        assert res.returncode == 0, res.stderr[-2000:]
        hits = server.hits
        again = run_bench("score", "banking", str(path), "--judge", judge, cwd=REPO, env=env)
        assert again.returncode == 0 and server.hits == hits + 1  # only the preflight: every judgment cached
    scored = [json.loads(line) for line in (tmp_path / "answers.scored.jsonl").read_text().splitlines()]
    assert [r["id"] for r in scored] == [r["id"] for r in rows] and all(r["note"] for r in scored)  # kept
    for r in scored:
        assert -1 <= r["cosine"] <= 1 and isinstance(r["policy_passed"], bool) and 0 <= r["judge_score"] <= 1
        assert set(r["rubric_items"]) == {"addresses", "complete", "unsupported", "refusal", "secret"}
        assert all(item["raw_output"] in ("yes", "no") for item in r["rubric_items"].values())
    by_id = {r["id"]: r for r in scored}
    assert by_id["p0-bad"]["policy_passed"] is False  # asks for the card number and PIN
    assert "rows scored" in res.stdout and "judge score" in res.stdout
