"""Clustered means and intervals, paired differences, the pairwise test and Holm's adjustment."""

from __future__ import annotations

import random

import numpy as np
import pytest
from scipy.stats import bootstrap

from leaderboard._stats import RESAMPLES, _rng, describe, holm, paired_difference, pairwise_summary


def test_describe_mean_interval_unscored_and_cluster_count():
    values = [1.0, 2.0, 3.0, 4.0, None, 5.0, None]
    clusters = ["a", "a", "b", "b", "b", "c", "c"]
    d = describe(values, clusters, seed=0, label="x")
    assert d["mean"] == 3.0 and d["n"] == 5 and d["k"] == 3 and d["unscored"] == 2
    lo, hi = d["ci95"]
    assert lo < 3.0 < hi and 1.0 <= lo and hi <= 5.0 and d["stderr"] > 0
    assert describe(values, clusters, seed=0, label="x") == d  # seeded
    empty = describe([None, None], ["a", "b"])
    assert empty["mean"] is None and empty["unscored"] == 2 and empty["k"] == 0


def test_cluster_bootstrap_of_identical_items_is_the_bootstrap_of_cluster_means():
    """Equal-sized clusters whose items are identical: resampling clusters and taking the item
    mean is resampling the cluster means, so the CI is exactly the cluster means' bootstrap CI."""
    means = np.array([0.1, 0.4, 0.35, 0.9, 0.6, 0.2, 0.75, 0.5])
    values, clusters = [], []
    for c, m in enumerate(means):
        values += [float(m)] * 5
        clusters += [f"intent{c}"] * 5
    d = describe(values, clusters, seed=3, label="m")
    expected = bootstrap(
        (means,), np.mean, n_resamples=RESAMPLES, method="percentile", random_state=_rng(3, "m")
    ).confidence_interval
    assert d["mean"] == pytest.approx(means.mean())
    assert d["ci95"] == pytest.approx([expected.low, expected.high])
    assert d["n"] == 40 and d["k"] == 8


def test_clustering_widens_the_interval_when_items_repeat_their_cluster():
    """Forty items that are five copies of eight values: as independent items the CI would be about
    sqrt(5) narrower; resampling intents gives the width of eight observations."""
    rng = random.Random(1)
    means = [rng.random() for _ in range(8)]
    values = [m for m in means for _ in range(5)]
    clustered = describe(values, [str(i) for i in range(8) for _ in range(5)], seed=0)
    independent = describe(values, [str(i) for i in range(40)], seed=0)
    width = lambda d: d["ci95"][1] - d["ci95"][0]  # noqa: E731
    assert width(clustered) > 1.8 * width(independent)


def test_paired_difference_finds_a_real_gain_and_none_in_noise():
    rng = random.Random(0)
    clusters = [f"c{i % 40}" for i in range(200)]
    base = [rng.gauss(0.5, 0.1) for _ in range(200)]
    tuned = [b + 0.03 + rng.gauss(0, 0.05) for b in base]
    gain = paired_difference(tuned, base, clusters, seed=1, label="cos")
    assert gain["delta"] == pytest.approx(sum(t - b for t, b in zip(tuned, base, strict=True)) / 200)
    assert gain["ci95"][0] > 0 and gain["p_value"] < 0.001 and gain["n"] == 200 and gain["k"] == 40
    noise = [b + rng.gauss(0, 0.05) for b in base]
    none = paired_difference(noise, base, clusters, seed=1, label="cos")
    assert none["ci95"][0] < 0 < none["ci95"][1] and none["p_value"] > 0.05
    same = paired_difference(base, base, clusters)
    assert same["delta"] == 0 and same["p_value"] == 1.0


def test_paired_difference_uses_only_items_scored_for_both():
    d = paired_difference([5, None, 7, 8, 3], [4, 6, None, 6, 3], ["a", "a", "b", "b", "c"])
    assert d["n"] == 3 and d["k"] == 3 and d["delta"] == pytest.approx(1.0)
    assert paired_difference([None], [1], ["a"])["delta"] is None


def test_pairwise_summary_counts_and_cluster_sign_flip_test():
    winners = ["tuned"] * 14 + ["base"] * 2 + ["tie"] * 4 + [None] * 3
    clusters = [f"c{i % 10}" for i in range(len(winners))]
    s = pairwise_summary(winners, clusters, seed=0)
    assert (s["wins"], s["losses"], s["ties"], s["unscored"], s["n"], s["k"]) == (14, 2, 4, 3, 20, 10)
    assert s["win_rate_adjusted"] == pytest.approx((14 + 2) / 20)
    assert s["ci95"][0] < s["win_rate_adjusted"] < s["ci95"][1]
    assert s["p_value"] < 0.05
    even = pairwise_summary(["tuned", "base"] * 10, [f"c{i // 2}" for i in range(20)], seed=0)
    assert even["p_value"] == 1.0  # every cluster's wins and losses cancel
    one = pairwise_summary(["tuned", "tuned"], ["a", "a"])  # one intent: a rate, but nothing to test against
    assert one["win_rate_adjusted"] == 1.0 and one["p_value"] is None and one["ci95"] is None
    empty = pairwise_summary([None, None], ["a", "b"])
    assert empty["n"] == 0 and empty["win_rate_adjusted"] is None and empty["p_value"] is None


def test_holm_on_a_known_example():
    # Holm (1979) step-down: sorted p 0.01, 0.02, 0.03, 0.04 with m = 4 -> 0.04, 0.06, 0.06, 0.06
    # (the running maximum keeps the order), returned in the input order; None is not counted.
    assert holm([0.03, 0.01, None, 0.04, 0.02]) == pytest.approx([0.06, 0.04, None, 0.06, 0.06])
    assert holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])  # capped at 1
    assert holm([]) == []
