"""Statistics for the results: the mean with its standard error (ddof=1 / sqrt n) and a 95%
percentile bootstrap CI; tuned minus base as a paired bootstrap over the same items, with a
two-sided p-value from the null-centred bootstrap; a sign test for pairwise wins vs losses.
Seeded, so the same scores give the same intervals. Written here rather than taken from scipy's
`bootstrap` because the paired, null-centred p-value and its recorded method have no scipy call."""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import binomtest

RESAMPLES = 10_000
METHOD = {
    "stderr": "sample standard deviation (ddof=1) / sqrt(n)",
    "ci95": f"percentile bootstrap, {RESAMPLES} resamples with replacement",
    "paired": f"paired bootstrap over items, {RESAMPLES} resamples; two-sided p from the null-centred bootstrap",
    "pairwise_p": "two-sided exact sign test of wins vs losses (ties left out)",
}


def _rng(seed: int, label: str) -> np.random.Generator:
    return np.random.default_rng([seed, *label.encode()])


def describe(values: list[float | None], seed: int = 0, label: str = "") -> dict:
    """mean, stderr, ci95, n (scored values) and unscored (None values) of one metric."""
    scored = np.array([v for v in values if v is not None], dtype=float)
    out = {"n": int(scored.size), "unscored": int(sum(v is None for v in values))}
    if scored.size == 0:
        return {**out, "mean": None, "stderr": None, "ci95": None}
    mean = float(scored.mean())
    stderr = float(scored.std(ddof=1) / math.sqrt(scored.size)) if scored.size > 1 else None
    idx = _rng(seed, label).integers(0, scored.size, size=(RESAMPLES, scored.size))
    means = scored[idx].mean(axis=1)
    return {**out, "mean": mean, "stderr": stderr, "ci95": _interval(means)}


def paired_difference(tuned: list[float | None], base: list[float | None], seed: int = 0, label: str = "") -> dict:
    """tuned - base over the items scored for both: mean delta, its 95% CI and a p-value."""
    pairs = [(t, b) for t, b in zip(tuned, base, strict=True) if t is not None and b is not None]
    if not pairs:
        return {"delta": None, "ci95": None, "p_value": None, "n": 0}
    diff = np.array([t - b for t, b in pairs], dtype=float)
    observed = float(diff.mean())
    idx = _rng(seed, label).integers(0, diff.size, size=(RESAMPLES, diff.size))
    boot = diff[idx].mean(axis=1)
    # Under the null the differences average zero: shift them there and ask how often a resample
    # lands at least as far from zero as what was observed (+1 in both counts: never exactly 0).
    null = boot - observed
    p = (np.sum(np.abs(null) >= abs(observed) - 1e-12) + 1) / (RESAMPLES + 1)
    return {"delta": observed, "ci95": _interval(boot), "p_value": float(min(1.0, p)), "n": int(diff.size)}


def pairwise_summary(winners: list[str | None], first: str = "tuned", second: str = "base", seed: int = 0) -> dict:
    """Wins / ties / losses of `first` against `second`; win_rate_adjusted = (wins + 0.5 ties) / n."""
    wins = sum(w == first for w in winners)
    losses = sum(w == second for w in winners)
    ties = sum(w == "tie" for w in winners)
    unscored = sum(w is None for w in winners)
    n = wins + losses + ties
    points = [1.0] * wins + [0.5] * ties + [0.0] * losses
    rate = describe(points, seed, f"pairwise:{first}:{second}") if n else {"mean": None, "ci95": None}
    p = binomtest(wins, wins + losses, 0.5).pvalue if wins + losses else None
    return {
        "wins": wins,
        "ties": ties,
        "losses": losses,
        "unscored": unscored,
        "n": n,
        "win_rate_adjusted": rate["mean"],
        "ci95": rate["ci95"],
        "p_value": float(p) if p is not None else None,
    }


def _interval(samples: np.ndarray) -> list[float]:
    lo, hi = np.percentile(samples, [2.5, 97.5])
    return [float(lo), float(hi)]
