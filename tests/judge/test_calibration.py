"""Calibration: a judge that orders good above bad passes; a judge that rates everything alike
(as the shipped 135M model does) fails, and so does one that flips with the answer order."""

from __future__ import annotations

from judge._calibration import probe_items, summarize

ROWS = [
    {"id": f"r{i}", "category": "CARD" if i % 2 else "FEES", "response": f"reference {i}",
     "calibration_response": f"the same facts in other words {i}"}
    for i in range(10)
]  # fmt: skip


def ratings(good: float, bad: float, n: int) -> dict:
    out = {}
    for i in range(n):
        out[f"p{i}:good"] = good
        for kind in ("off_topic", "policy_breaking", "empty"):
            out[f"p{i}:{kind}"] = bad
    return out


def test_probes_have_known_good_and_bad_answers():
    probes = probe_items(ROWS, 4, seed=0)
    assert len(probes) == 4 and probes == probe_items(ROWS, 4, seed=0)
    for p in probes:
        # known-good: the calibration wording, never the reference the judge is shown
        assert p["good"] == p["row"]["calibration_response"] != p["row"]["response"]
        assert p["bad"]["empty"] == "" and "CVV" in p["bad"]["policy_breaking"]
        assert p["bad"]["off_topic"] != p["good"]


def test_a_discriminating_consistent_judge_passes():
    probes = probe_items(ROWS, 4, 0)
    result = summarize(probes, ratings(9, 2, 4), {f"p{i}": ["good", "good"] for i in range(4)}, 24, 0)
    assert result["accuracy"] == 1.0 and result["position_consistency"] == 1.0 and result["passed"]


def test_a_judge_that_rates_everything_alike_fails():
    probes = probe_items(ROWS, 4, 0)
    result = summarize(probes, ratings(8, 8, 4), {f"p{i}": ["good", "good"] for i in range(4)}, 24, 0)
    assert result["accuracy"] == 0.0 and not result["passed"]


def test_position_flips_and_parse_failures_fail():
    probes = probe_items(ROWS, 4, 0)
    flips = summarize(probes, ratings(9, 2, 4), {f"p{i}": ["good", "bad"] for i in range(4)}, 24, 0)
    assert flips["position_consistency"] == 0.0 and not flips["passed"]
    broken = summarize(probes, ratings(9, 2, 4), {f"p{i}": ["good", "good"] for i in range(4)}, 24, 6)
    assert broken["parse_failure_rate"] == 0.25 and not broken["passed"]
