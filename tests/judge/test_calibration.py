"""Calibration: probes from test rows (good answers never the reference shown), accuracy per bad
kind with CIs and two baselines; a judge that knows the truth passes, one that rates everything
alike or by length fails, and the pass mark is applied as written."""

from __future__ import annotations

import pytest

import synth
from judge import _rubric as rubric
from judge._calibration import PASS_MARK, calibrate, calibration_requests, make_probes, position_consistency
from judge._probes import BAD, GOOD, HELD_OUT
from tests.conftest import BANKING


@pytest.fixture(scope="module")
def probes():
    domain = synth.load_domain(BANKING)
    test = synth.synthesize(domain, synth.SynthSettings.sized(200, seed=0)).splits["test"]
    return make_probes(domain, test, 12, seed=0)


def _judged(probes, p_yes) -> dict:
    """Rubric records as a judge would return them: p_yes(probe, item) -> P(yes)."""
    out = {}
    for req in calibration_requests(probes, "rubric"):
        i, kind = int(req.id.split(":")[0][3:]), req.id.split(":")[1]
        item = req.meta["rubric_item"]
        value = p_yes(probes[i]["answers"][kind], item)
        out[req.id] = {"id": req.id, "status": "ok", "parsed": value, "calibration": True}
    return out


def test_probes_are_test_rows_one_intent_each_with_every_kind(probes):
    assert len(probes) == 12 and len({p["row"]["intent"] for p in probes}) == 12
    for p in probes:
        row, answers = p["row"], p["answers"]
        assert row["id"].startswith("banking-test-")
        assert answers["alternative"].answer == row["calibration_response"] != row["response"]
        assert all(a.answer != row["response"] for a in answers.values())  # never the reference itself
        assert set(answers) <= set(GOOD + BAD) and {"off_topic", "empty", "long_wrong", "generic"} <= set(answers)
        if "wrong_fact" in answers:  # altered from the reference: superficially the best answer
            assert answers["wrong_fact"].truth["complete"] == "no"
            assert len(answers["wrong_fact"].answer.split()) >= 0.6 * len(row["response"].split())


def test_a_judge_that_knows_the_truth_passes_and_beats_the_baselines(probes):
    cal = calibrate(probes, _judged(probes, lambda a, item: 0.9 if a.truth[item] == "yes" else 0.1), "rubric")
    assert cal["accuracy"] == 1.0 and cal["passed"] and all(cal["checks"].values())
    for kind in HELD_OUT:
        assert cal["by_kind"][kind]["accuracy"] == 1.0 and cal["by_kind"][kind]["ci95"] is not None
    # the baselines are measured on the same pairs, and miss the superficially good bad answers
    assert cal["baselines"]["cosine"]["overall"]["pairs"] == cal["by_kind"]["overall"]["pairs"]
    assert cal["baselines"]["cosine"]["overall"]["accuracy"] < 0.95
    assert cal["baselines"]["length"]["overall"]["accuracy"] < 0.8


def test_a_judge_that_rates_everything_alike_fails(probes):
    cal = calibrate(probes, _judged(probes, lambda a, item: 0.5), "rubric")
    assert cal["accuracy"] == 0.0 and not cal["passed"] and not cal["checks"]["accuracy"]


def test_a_judge_blind_to_the_held_out_kinds_fails_on_them(probes):
    def blind(a, item):
        if a.kind in HELD_OUT:  # rates them like good answers, slightly above
            return 0.95 if rubric.BY_NAME[item].good == "yes" else 0.05
        return 0.9 if a.truth[item] == "yes" else 0.1

    cal = calibrate(probes, _judged(probes, blind), "rubric")
    assert not cal["checks"]["held_out"] and not cal["passed"]
    assert all(cal["by_kind"][k]["accuracy"] == 0.0 for k in HELD_OUT)


def test_unscored_judgments_count_against_the_judge(probes):
    judged = _judged(probes, lambda a, item: 0.9 if a.truth[item] == "yes" else 0.1)
    for rid in list(judged)[::4]:
        judged[rid] = {**judged[rid], "status": "unscored", "parsed": None}
    cal = calibrate(probes, judged, "rubric")
    assert cal["unscored_rate"] > PASS_MARK.max_unscored and not cal["checks"]["unscored"]
    assert cal["accuracy"] < 1.0  # a pair with an unscored side is not counted as right


def test_position_consistency_on_real_pairs():
    pairs = [
        {"position_a_first": "tuned", "verdicts": ["A", "B"]},  # tuned both times
        {"position_a_first": "base", "verdicts": ["A", "A"]},  # flips
        {"position_a_first": "tuned", "verdicts": ["C", "C"]},  # tie both times
        {"position_a_first": "tuned", "verdicts": [None, "A"]},  # unscored
    ]
    assert position_consistency(pairs) == {"pairs": 4, "scored": 3, "consistency": pytest.approx(2 / 3)}
    assert position_consistency([]) is None
