"""leaderboard.png: one panel per metric (fact recall and fact errors first; truncation rate
included, so a model that rambles or loops is visible), each run's contestants as points with
clustered 95% CI bars, base and tuned side by side (matplotlib, no display needed); where a run
has a real-query evaluation, its panels follow, titled "real queries"."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from ._results import METRICS, REAL_METRICS  # noqa: E402

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
REAL_PANELS = ("intent_served", "judge_score", "policy_pass")  # the real-query metrics charted
REAL_TITLES = {
    "intent_served": "real queries: answer serves the query's intent",
    "judge_score": "real queries: LLM judge score, no reference",
    "policy_pass": "real queries: policy pass rate",
}


def _panels(runs: list[dict]) -> list[tuple[str, str, str]]:
    """(section, metric, title): the synthetic test's metrics, then the real queries' where any run has them."""
    panels = [("results", m, TITLES[m]) for m in METRICS]
    if any(r.get("real_queries") for r in runs):
        panels += [("real_queries", m, REAL_TITLES[m]) for m in REAL_PANELS if m in REAL_METRICS]
    return panels


def _results(run: dict, section: str) -> dict:
    return run["results"] if section == "results" else (run.get("real_queries") or {}).get("results", {})


def plot_leaderboard(runs: list[dict], out: Path) -> None:
    panels = _panels(runs)
    rows = -(-len(panels) // 2)
    fig, grid = plt.subplots(rows, 2, figsize=(11, 1.1 * rows + 1.6 * max(2, len(runs) * 2)))
    axes = list(grid.flat)
    for ax in axes[len(panels) :]:
        ax.axis("off")
    labels = [f"{r['config']['model']['spec']} / {r['config']['recipe']['name']}\n{r['_run_id'][-8:]}" for r in runs]
    for ax, (section, metric, title) in zip(axes, panels, strict=False):
        contestants = sorted(
            {c for r in runs for c in _results(r, section)}, key=lambda c: (c != "base", c != "tuned", c)
        )
        width = 0.8 / max(1, len(contestants))
        for k, name in enumerate(contestants):
            labelled = False  # the legend names each contestant once, from the first run that has it
            for i, run in enumerate(runs):
                d = _results(run, section).get(name, {}).get(metric)
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
                    label=None if labelled else name,
                )
                labelled = True
        if metric == "judge_score" and not all(r["judge"]["calibration_passed"] for r in runs):
            title += "\n(judge FAILED calibration)"
        ax.set_title(title, fontsize=10)
        ax.set_yticks(range(len(runs)))
        ax.set_yticklabels(labels if ax in axes[::2] else [""] * len(runs), fontsize=8)
        ax.set_ylim(-0.7, len(runs) - 0.3)
        ax.grid(axis="x", alpha=0.3)
    # every contestant that any panel drew, once (a domain without a policy sheet leaves its policy
    # panels empty; a contestant may appear only in the real-query panels), beside the second panel
    legend: dict = {}
    for ax in axes:
        for handle, name in zip(*ax.get_legend_handles_labels(), strict=True):
            legend.setdefault(name, handle)
    handles, names = list(legend.values()), list(legend)
    if handles:
        axes[1].legend(handles, names, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    n = runs[0]["n_samples"]
    real = next((r["real_queries"]["n_samples"] for r in runs if r.get("real_queries")), None)
    also = f"; real queries: CI over categories, {real['test_items']} in {real['clusters']}" if real else ""
    fig.suptitle(
        f"base vs tuned, mean with 95% bootstrap CI over intents ({n['test_items']} test items in "
        f"{n['clusters']} intent clusters{also})",
        fontsize=11,
    )
    fig.tight_layout()
    fig.savefig(out, dpi=110, format="png")
    plt.close(fig)
