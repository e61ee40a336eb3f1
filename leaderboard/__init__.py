"""leaderboard: a run's results JSON from its per-sample scores (statistics with CIs and paired
comparisons), and the domain's leaderboard tables (md, csv, html) and chart from every results
JSON under results/DOMAIN/.

Public entry points: `results_record(...)` for one run, `write_leaderboard(results/DOMAIN)`."""

from __future__ import annotations

from ._errors import LeaderboardError
from ._results import METRICS, REAL_FOLDER, REAL_METRICS, SAMPLE_FILES, SCHEMA, metrics_section, results_record


def __getattr__(name: str):
    # The tables and chart import pandas and matplotlib; load them only when used.
    if name in ("write_leaderboard", "format_metric", "format_delta", "format_p", "format_spread"):
        from . import _tables

        return getattr(_tables, name)
    raise AttributeError(f"module 'leaderboard' has no attribute {name!r}")


__all__ = [
    "METRICS",
    "REAL_FOLDER",
    "REAL_METRICS",
    "SAMPLE_FILES",
    "SCHEMA",
    "LeaderboardError",
    "metrics_section",
    "results_record",
    "write_leaderboard",
]
