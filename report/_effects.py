"""Where the tuned model is better or worse: per category, tuned minus base on the same items, with a
95% CI that resamples the category's intents (items made from one intent are not independent; a
category with one intent gets no CI), worst first; and the forest plot of it (matplotlib)."""

from __future__ import annotations

from pathlib import Path

from leaderboard._stats import paired_difference

EFFECT_METRICS = ("fact_recall", "cosine", "policy_pass", "judge_score")


def _value(sample: dict, metric: str) -> float | None:
    if sample.get("answer_status", "ok") != "ok":
        return None
    if metric == "policy_pass":
        return None if sample.get("policy_passed") is None else float(sample["policy_passed"])
    if metric == "fact_recall" and not sample.get("facts_expected"):
        return None
    value = sample.get(metric)
    return None if value is None else float(value)


def category_effects(scores: list[dict], metric: str, contestant: str = "tuned", seed: int = 0) -> list[dict]:
    """[{category, delta, ci95, n, k}] of `contestant` - base per category, most negative first."""
    by = {(s["contestant"], s["question_id"]): s for s in scores}
    base = [s for s in scores if s["contestant"] == "base"]
    out = []
    for category in sorted({s["category"] for s in base}):
        items = [s for s in base if s["category"] == category and (contestant, s["question_id"]) in by]
        mine = [_value(by[contestant, s["question_id"]], metric) for s in items]
        theirs = [_value(s, metric) for s in items]
        d = paired_difference(mine, theirs, [s["intent"] for s in items], seed, f"report:{category}:{metric}")
        if d["delta"] is not None:
            out.append({"category": category, "delta": d["delta"], "ci95": d["ci95"], "n": d["n"], "k": d["k"]})
    return sorted(out, key=lambda e: e["delta"])


def forest_plot(effects: dict[str, list[dict]], out: Path, contestant: str = "tuned") -> None:
    """One panel per metric: each category's difference with its CI, worst at the top."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metrics = [m for m in EFFECT_METRICS if effects.get(m)]
    rows = max((len(effects[m]) for m in metrics), default=1)
    fig, axes = plt.subplots(1, max(1, len(metrics)), figsize=(4 * max(1, len(metrics)), 0.35 * rows + 1.5))
    axes = [axes] if len(metrics) <= 1 else list(axes)
    for ax, metric in zip(axes, metrics, strict=False):
        found = effects[metric]
        for y, e in enumerate(reversed(found)):
            lo, hi = e["ci95"] or (e["delta"], e["delta"])
            color = "#c0392b" if hi < 0 else ("#1e8449" if lo > 0 else "#555555")
            ax.errorbar(e["delta"], y, xerr=[[e["delta"] - lo], [hi - e["delta"]]], fmt="o", color=color, capsize=2)
        ax.axvline(0, color="#999999", lw=0.8)
        ax.set_yticks(range(len(found)))
        ax.set_yticklabels([f"{e['category']} (n={e['n']})" for e in reversed(found)], fontsize=7)
        ax.set_title(f"{contestant} - base: {metric}", fontsize=9)
        ax.grid(axis="x", alpha=0.3)
    fig.suptitle("per category, 95% CI resampling intents (red: worse, green: better)", fontsize=9)
    fig.tight_layout()
    fig.savefig(out, dpi=100, format="png")
    plt.close(fig)
