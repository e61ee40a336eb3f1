"""leaderboard.png: one panel per metric (fact recall and fact errors first; truncation rate
included, so a model that rambles or loops is visible), each run's contestants as points with
clustered 95% CI bars, base and tuned side by side (matplotlib, no display needed)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from ._results import METRICS  # noqa: E402

TITLES = {
    "fact_recall": "policy facts stated (fact recall)",
    "fact_error": "answers with a wrong fact value",
    "cosine": "cosine similarity to reference",
    "judge_score": "LLM judge score",
    "policy_pass": "policy pass rate",
    "answer_tokens": "answer tokens",
    "truncated": "share of answers cut at the cap",
    "loop_blocked": "share of answers the loop guard changed",
}
COLORS = {"base": "#7f7f7f", "tuned": "#1f77b4"}


def plot_leaderboard(runs: list[dict], out: Path) -> None:
    rows = -(-len(METRICS) // 2)
    fig, grid = plt.subplots(rows, 2, figsize=(11, 1.1 * rows + 1.6 * max(2, len(runs) * 2)))
    axes = list(grid.flat)
    for ax in axes[len(METRICS) :]:
        ax.axis("off")
    labels = [f"{r['config']['model']['spec']} / {r['config']['recipe']['name']}" for r in runs]
    for ax, metric in zip(axes, METRICS, strict=False):
        contestants = sorted({c for r in runs for c in r["results"]}, key=lambda c: (c != "base", c != "tuned", c))
        width = 0.8 / len(contestants)
        for k, name in enumerate(contestants):
            for i, run in enumerate(runs):
                d = run["results"].get(name, {}).get(metric)
                if not d or d["mean"] is None:
                    continue
                y = i + (k - (len(contestants) - 1) / 2) * width
                lo, hi = d["ci95"] or (d["mean"], d["mean"])
                ax.errorbar(
                    d["mean"],
                    y,
                    xerr=[[d["mean"] - lo], [hi - d["mean"]]],
                    fmt="o",
                    color=COLORS.get(name, f"C{k + 2}"),
                    capsize=3,
                    label=name if i == 0 else None,
                )
        title = TITLES[metric]
        if metric == "judge_score" and not all(r["judge"]["calibration_passed"] for r in runs):
            title += "\n(judge FAILED calibration)"
        ax.set_title(title, fontsize=10)
        ax.set_yticks(range(len(runs)))
        ax.set_yticklabels(labels if ax in axes[::2] else [""] * len(runs), fontsize=8)
        ax.set_ylim(-0.7, len(runs) - 0.3)
        ax.grid(axis="x", alpha=0.3)
    axes[1].legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    n = runs[0]["n_samples"]
    fig.suptitle(
        f"base vs tuned, mean with 95% bootstrap CI over intents ({n['test_items']} test items in "
        f"{n['clusters']} intent clusters)",
        fontsize=11,
    )
    fig.tight_layout()
    fig.savefig(out, dpi=110, format="png")
    plt.close(fig)
