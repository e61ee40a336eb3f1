"""Training-seed variance (`bench run --train-seeds N`): the same configuration trained with N seeds,
each adapter a contestant of its own (`tuned` with the recipe's seed, `tuned-seed<S>` for the others),
all answering the same test items beside one base.

Reported per metric: the pooled effect, the seed-averaged answer score of each item minus base on the
same items, with the clustered CI and sign-flip p every comparison has (in the run's Holm family);
and the spread between seeds, the standard deviation (n - 1) and range of the per-seed means and of
the per-seed effects. The item-level CI says how sure the pooled effect is given these items; the
spread says how much one training run moves it."""

from __future__ import annotations

import statistics

from ._stats import describe, paired_difference

SEED_PREFIX = "tuned-seed"
POOLED = "tuned (seeds pooled)"  # how the pooled effect is named in tables; not a contestant


def seed_name(seed: int) -> str:
    return f"{SEED_PREFIX}{seed}"


def seed_contestants(names) -> list[str]:
    """The tuned contestants of one configuration, `tuned` first; empty when the run trained one seed."""
    extra = sorted((n for n in names if n.startswith(SEED_PREFIX)), key=lambda n: int(n.removeprefix(SEED_PREFIX)))
    return ["tuned", *extra] if extra and "tuned" in names else []


def _spread(values: list[float | None]) -> dict:
    got = [v for v in values if v is not None]
    if not got:
        return {"sd": None, "min": None, "max": None, "n": 0}
    return {"sd": statistics.stdev(got) if len(got) > 1 else None, "min": min(got), "max": max(got), "n": len(got)}


def seeds_section(
    values: dict, clusters: dict, results: dict, comparisons: dict, metrics, seed: int, label: str = ""
) -> dict | None:
    """The `train_seeds` section of a results record (None with one seed). `values`: contestant ->
    metric -> question id -> value; `results`, `comparisons`: the section's, per contestant."""
    names = seed_contestants(values)
    if not names:
        return None
    pooled, spread = {}, {}
    for metric in metrics:
        common = [q for q in values["base"][metric] if all(q in values[n][metric] for n in names)]
        per_item = []
        for q in common:
            got = [values[n][metric][q] for n in names if values[n][metric][q] is not None]
            per_item.append(sum(got) / len(got) if got else None)
        pooled[metric] = {
            **describe(per_item, [clusters[q] for q in common], seed, f"{label}{POOLED}:{metric}"),
            "vs_base": paired_difference(
                per_item,
                [values["base"][metric][q] for q in common],
                [clusters[q] for q in common],
                seed,
                f"{label}{POOLED}-base:{metric}",
            ),  # fmt: skip
        }
        spread[metric] = {
            "mean": _spread([results[n][metric]["mean"] for n in names]),
            "delta_vs_base": _spread([comparisons[f"{n} - base"][metric]["delta"] for n in names]),
        }
    return {
        "contestants": names,
        "pooled": pooled,
        "spread": spread,
        "definition": (
            "pooled: each item's answer score averaged over the seeds' adapters, minus base on the same items "
            "(clustered CI and sign-flip p, Holm-adjusted with the run's comparisons); spread: standard deviation "
            "(n - 1) and range over the seeds of each seed's mean and of its difference from base"
        ),
    }
