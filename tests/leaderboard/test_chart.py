"""leaderboard.png for a domain without a policy sheet: its fact panels are empty, the legend still names
the contestants, and matplotlib has nothing to warn about."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import matplotlib.pyplot as plt

from leaderboard._chart import plot_leaderboard

REPO = Path(__file__).resolve().parents[2]


def test_a_run_without_fact_metrics_gets_a_legend_and_no_warning(tmp_path, monkeypatch):
    path = next((REPO / "results" / "finance_instruct").glob("*/results.json"))
    run = json.loads(path.read_text(encoding="utf-8")) | {"_run_id": path.parent.name}
    assert "fact_recall" not in run["results"]["base"]  # no policy sheet: the first panels stay empty
    legends = []
    close = plt.close
    monkeypatch.setattr(plt, "close", lambda fig: (legends.extend(a.get_legend() for a in fig.axes), close(fig)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "No artists with labels found to put in legend" fails the test
        plot_leaderboard([run], tmp_path / "leaderboard.png")
    assert (tmp_path / "leaderboard.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    shown = [legend for legend in legends if legend is not None]
    assert len(shown) == 1 and [t.get_text() for t in shown[0].get_texts()] == ["base", "tuned"]
