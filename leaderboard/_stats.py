"""Statistics for the results, clustered by how the test items were made: items generated from the
same intent (its query templates, reply wording and policy facts) are not independent, so every
interval and test resamples intents (clusters) with replacement, never single items, and takes
the item mean of the resampled clusters (a cluster's items count with their number).

- mean, with a 95% percentile bootstrap CI and the bootstrap standard error over clusters
  (`scipy.stats.bootstrap`, paired over each cluster's (sum, count), statistic sum / count);
- contestant minus base: the same clustered bootstrap on per-item differences (items scored for
  both), and a two-sided p-value from a cluster sign-flip permutation test (`scipy.stats.
  permutation_test`, one sample of cluster sums: under the null, swapping base and tuned in a
  whole cluster changes nothing);
- pairwise win rate (wins + ties / 2) with the same CI, and its p from the same sign-flip test on
  wins minus losses per cluster;
- Holm's step-down adjustment over a family of p-values (written here: scipy has only the
  false-discovery-rate procedures, and statsmodels is not a dependency for five lines).
Seeded, so the same scores give the same intervals."""

from __future__ import annotations

import numpy as np
from scipy.stats import bootstrap, permutation_test

RESAMPLES = 10_000
METHOD = {
    "clusters": "test items grouped by intent: every CI and p-value resamples intents, not items",
    "ci95": f"clustered percentile bootstrap (scipy.stats.bootstrap), {RESAMPLES} resamples of intents with "
    "replacement, statistic = item mean of the resampled intents",
    "stderr": "standard deviation of that clustered bootstrap distribution",
    "paired": "per-item difference contestant - base on items scored for both; clustered bootstrap CI; "
    f"two-sided p from a sign-flip permutation test over intents (scipy.stats.permutation_test, {RESAMPLES} "
    "resamples)",
    "pairwise_p": "two-sided sign-flip permutation test over intents of wins minus losses (ties count 0)",
    "p_floor": f"a two-sided permutation p is at least about 2 / ({RESAMPLES} + 1); with k <= 13 intents the test "
    "is exact (every sign pattern) and p is at least 2 / 2^k, e.g. 0.031 for 6 intents",
    "multiple_comparisons": "p_holm: Holm step-down adjustment over all contestant-vs-base p-values of the run",
}


def _rng(seed: int, label: str) -> np.random.Generator:
    return np.random.default_rng([seed, *label.encode()])


def _clusters(values: list[float | None], clusters: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(scored values, per-cluster sums, per-cluster counts) over the non-None values."""
    sums: dict[str, float] = {}
    counts: dict[str, int] = {}
    scored = []
    for v, c in zip(values, clusters, strict=True):
        if v is None:
            continue
        scored.append(v)
        sums[c] = sums.get(c, 0.0) + float(v)
        counts[c] = counts.get(c, 0) + 1
    keys = sorted(sums)
    return np.array(scored, dtype=float), np.array([sums[k] for k in keys]), np.array([counts[k] for k in keys], float)


def _ratio(s: np.ndarray, c: np.ndarray, axis: int = -1) -> np.ndarray:
    return s.sum(axis=axis) / c.sum(axis=axis)


def cluster_bootstrap(sums: np.ndarray, counts: np.ndarray, rng: np.random.Generator) -> tuple[list[float], float]:
    """95% CI and standard error of the item mean, resampling clusters with replacement."""
    res = bootstrap(
        (sums, counts), _ratio, paired=True, vectorized=True, n_resamples=RESAMPLES, method="percentile",
        random_state=rng,
    )  # fmt: skip
    ci = res.confidence_interval
    return [float(ci.low), float(ci.high)], float(res.standard_error)


def describe(values: list[float | None], clusters: list[str], seed: int = 0, label: str = "") -> dict:
    """mean, stderr, ci95, n (scored values), k (clusters with a scored value) and unscored (None values)."""
    scored, sums, counts = _clusters(values, clusters)
    out = {"n": int(scored.size), "k": int(sums.size), "unscored": int(sum(v is None for v in values))}
    if scored.size == 0:
        return {**out, "mean": None, "stderr": None, "ci95": None}
    mean = float(scored.mean())
    if sums.size < 2:  # one cluster: nothing to resample
        return {**out, "mean": mean, "stderr": None, "ci95": None}
    ci, stderr = cluster_bootstrap(sums, counts, _rng(seed, label))
    return {**out, "mean": mean, "stderr": stderr, "ci95": ci}


def sign_flip_p(sums: np.ndarray, rng: np.random.Generator) -> float:
    """Two-sided p that the cluster sums are symmetric about zero (a cluster's sign flipped as a whole)."""
    if not np.any(sums):
        return 1.0
    res = permutation_test(
        (sums,), lambda x, axis=-1: x.sum(axis=axis), permutation_type="samples", vectorized=True,
        n_resamples=RESAMPLES, alternative="two-sided", random_state=rng,
    )  # fmt: skip
    return float(res.pvalue)


def paired_difference(
    tuned: list[float | None], base: list[float | None], clusters: list[str], seed: int = 0, label: str = ""
) -> dict:
    """tuned - base over the items scored for both: mean delta, its clustered 95% CI and a p-value."""
    diffs = [None if t is None or b is None else t - b for t, b in zip(tuned, base, strict=True)]
    scored, sums, counts = _clusters(diffs, clusters)
    if scored.size == 0:
        return {"delta": None, "ci95": None, "p_value": None, "n": 0, "k": 0}
    out = {"delta": float(scored.mean()), "n": int(scored.size), "k": int(sums.size)}
    if sums.size < 2:
        return {**out, "ci95": None, "p_value": None}
    rng = _rng(seed, label)
    ci, _ = cluster_bootstrap(sums, counts, rng)
    return {**out, "ci95": ci, "p_value": sign_flip_p(sums, rng)}


def pairwise_summary(
    winners: list[str | None], clusters: list[str], first: str = "tuned", second: str = "base", seed: int = 0
) -> dict:
    """Wins / ties / losses of `first` against `second`; win_rate_adjusted = (wins + 0.5 ties) / n."""
    wins = sum(w == first for w in winners)
    losses = sum(w == second for w in winners)
    ties = sum(w == "tie" for w in winners)
    unscored = sum(w is None for w in winners)
    points = [{first: 1.0, "tie": 0.5, second: 0.0}.get(w) if w is not None else None for w in winners]
    rate = describe(points, clusters, seed, f"pairwise:{first}:{second}")
    margin = [None if p is None else 2 * p - 1 for p in points]  # win +1, tie 0, loss -1
    _, sums, _ = _clusters(margin, clusters)
    # No test without a win or loss, or with one cluster (nothing to flip against).
    p = sign_flip_p(sums, _rng(seed, f"pairwise-p:{first}:{second}")) if wins + losses and sums.size > 1 else None
    return {
        "wins": wins,
        "ties": ties,
        "losses": losses,
        "unscored": unscored,
        "n": wins + losses + ties,
        "k": rate["k"],
        "win_rate_adjusted": rate["mean"],
        "ci95": rate["ci95"],
        "p_value": p,
    }


def holm(p_values: list[float | None]) -> list[float | None]:
    """Holm step-down adjusted p-values, in the input order (None stays None and is not counted)."""
    present = sorted((p, i) for i, p in enumerate(p_values) if p is not None)
    m = len(present)
    adjusted: list[float | None] = [None] * len(p_values)
    running = 0.0
    for rank, (p, i) in enumerate(present):
        running = max(running, min(1.0, (m - rank) * p))
        adjusted[i] = running
    return adjusted
