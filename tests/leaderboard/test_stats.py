"""Means, standard errors, bootstrap intervals, paired differences and the pairwise sign test."""

from __future__ import annotations

import math
import random

import pytest

from leaderboard._stats import describe, paired_difference, pairwise_summary


def test_describe_mean_stderr_interval_and_unscored():
    values = [1.0, 2.0, 3.0, 4.0, None, 5.0, None]
    d = describe(values, seed=0, label="x")
    assert d["mean"] == 3.0 and d["n"] == 5 and d["unscored"] == 2
    assert d["stderr"] == pytest.approx(math.sqrt(2.5) / math.sqrt(5))
    lo, hi = d["ci95"]
    assert lo < 3.0 < hi and 1.0 <= lo and hi <= 5.0
    assert describe(values, seed=0, label="x") == d  # seeded
    assert describe([None, None])["mean"] is None and describe([None, None])["unscored"] == 2


def test_paired_difference_finds_a_real_gain_and_none_in_noise():
    rng = random.Random(0)
    base = [rng.gauss(0.5, 0.1) for _ in range(200)]
    tuned = [b + 0.03 + rng.gauss(0, 0.05) for b in base]
    gain = paired_difference(tuned, base, seed=1, label="cos")
    assert gain["delta"] == pytest.approx(sum(t - b for t, b in zip(tuned, base, strict=True)) / 200)
    assert gain["ci95"][0] > 0 and gain["p_value"] < 0.001 and gain["n"] == 200
    noise = [b + rng.gauss(0, 0.05) for b in base]
    none = paired_difference(noise, base, seed=1, label="cos")
    assert none["ci95"][0] < 0 < none["ci95"][1] and none["p_value"] > 0.05
    same = paired_difference(base, base)
    assert same["delta"] == 0 and same["p_value"] == 1.0


def test_paired_difference_uses_only_items_scored_for_both():
    d = paired_difference([5, None, 7, 8], [4, 6, None, 6])
    assert d["n"] == 2 and d["delta"] == pytest.approx(1.5)
    assert paired_difference([None], [1])["delta"] is None


def test_pairwise_summary_counts_and_sign_test():
    winners = ["tuned"] * 14 + ["base"] * 2 + ["tie"] * 4 + [None] * 3
    s = pairwise_summary(winners, seed=0)
    assert (s["wins"], s["losses"], s["ties"], s["unscored"], s["n"]) == (14, 2, 4, 3, 20)
    assert s["win_rate_adjusted"] == pytest.approx((14 + 2) / 20)
    assert s["p_value"] == pytest.approx(2 * sum(math.comb(16, k) for k in range(3)) / 2**16)
    assert s["ci95"][0] < s["win_rate_adjusted"] < s["ci95"][1]
    empty = pairwise_summary([None, None])
    assert empty["n"] == 0 and empty["win_rate_adjusted"] is None and empty["p_value"] is None
