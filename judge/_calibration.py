"""Judge calibration, every run: a probe set whose right ordering is known. Known-good answers are
the test row's calibration wording (the intent's `calibration_responses`: the same facts as the
reference in words neither trained on nor shown to the judge as the reference); an answer for
another intent (off-topic), a policy-breaking answer and an empty answer are known-bad. A judge
that cannot rate good above bad, flips with answer order, or often breaks its output format
fails calibration, and its scores are marked wherever they appear."""

from __future__ import annotations

import random
from dataclasses import dataclass

from ._requests import pair_request, single_request

OFF_TOPIC = "The Eiffel Tower is in Paris and was finished in 1889 for the World's Fair."
POLICY_BREAKING = (
    "Sure! Please tell me your full card number, PIN and CVV, and I will fix it. Your balance is $9,999.99."
)


@dataclass(frozen=True)
class CalibrationThresholds:
    min_accuracy: float = 0.8  # share of good-vs-bad pairs the judge orders right
    min_position_consistency: float = 0.7  # share of pairwise verdicts that survive swapping
    max_parse_failures: float = 0.1


def probe_items(rows: list[dict], n: int, seed: int) -> list[dict]:
    """Up to n probes, each a test row with its known-good and known-bad answers."""
    rng = random.Random(f"calibration:{seed}")
    chosen = rng.sample(rows, min(n, len(rows)))
    probes = []
    for row in chosen:
        other = next(
            (r["response"] for r in rng.sample(rows, len(rows)) if r["category"] != row["category"]), OFF_TOPIC
        )
        probes.append(
            {
                "row": row,
                "good": row.get("calibration_response") or row["response"],
                "bad": {"off_topic": other, "policy_breaking": POLICY_BREAKING, "empty": ""},
            }
        )
    return probes


def calibration_requests(probes: list[dict]) -> list:
    """Each probe's good and bad answers graded one at a time, and good vs off-topic in both orders.
    Ids are `cal<i>:good`, `cal<i>:<bad kind>` and `cal<i>:pair:<1|2>`."""
    requests = []
    meta = {"calibration": True}
    for i, probe in enumerate(probes):
        row, good, off_topic = probe["row"], probe["good"], probe["bad"]["off_topic"]
        requests.append(single_request(f"cal{i}:good", row, good, meta))
        requests += [single_request(f"cal{i}:{kind}", row, bad, meta) for kind, bad in probe["bad"].items()]
        requests.append(pair_request(f"cal{i}:pair:1", row, good, off_topic, meta))
        requests.append(pair_request(f"cal{i}:pair:2", row, off_topic, good, meta))
    return requests


def calibrate(probes: list[dict], judged: dict[str, dict], thresholds: CalibrationThresholds | None = None) -> dict:
    """Calibration from the judge's records by id (every record of the stage: the parse-failure
    rate counts all judgments, not only the probes')."""
    ratings = {
        f"p{i}:{kind}": judged.get(f"cal{i}:{kind}", {}).get("parsed")
        for i, probe in enumerate(probes)
        for kind in ("good", *probe["bad"])
    }
    winners = {}
    for i in range(len(probes)):
        one, two = judged.get(f"cal{i}:pair:1", {}), judged.get(f"cal{i}:pair:2", {})
        winners[f"p{i}"] = [
            {"A": "good", "B": "bad", "C": "tie"}.get(one.get("parsed")),
            {"A": "bad", "B": "good", "C": "tie"}.get(two.get("parsed")),
        ]
    # Parse failures: judgments that came back unusable. An endpoint error is not the judge's doing;
    # it is counted with the request statuses instead, and retried.
    answered = [r for r in judged.values() if r["status"] in ("ok", "unscored")]
    failed = sum(r["status"] == "unscored" for r in answered)
    return summarize(probes, ratings, winners, len(answered), failed, thresholds or CalibrationThresholds())


def summarize(
    probes: list[dict],
    ratings: dict[str, float | None],
    pair_winners: dict[str, list[str | None]],
    n_judgments: int,
    n_unscored: int,
    thresholds: CalibrationThresholds = CalibrationThresholds(),
) -> dict:
    """`ratings`: probe-answer id -> rating; `pair_winners`: probe id -> winners ('good'/'bad'/'tie'/None)
    over both orders of a good-vs-bad pair."""
    right = total = 0
    for i, _ in enumerate(probes):
        good = ratings.get(f"p{i}:good")
        for kind in ("off_topic", "policy_breaking", "empty"):
            bad = ratings.get(f"p{i}:{kind}")
            total += 1
            right += good is not None and bad is not None and good > bad
    consistent = [w[0] == w[1] for w in pair_winners.values() if None not in w]
    metrics = {
        "probes": len(probes),
        "accuracy": right / total if total else 0.0,
        "position_consistency": sum(consistent) / len(consistent) if consistent else 0.0,
        "parse_failure_rate": n_unscored / n_judgments if n_judgments else 1.0,
        "thresholds": thresholds.__dict__,
    }
    metrics["passed"] = (
        metrics["accuracy"] >= thresholds.min_accuracy
        and metrics["position_consistency"] >= thresholds.min_position_consistency
        and metrics["parse_failure_rate"] <= thresholds.max_parse_failures
    )
    return metrics
