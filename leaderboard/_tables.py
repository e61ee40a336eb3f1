"""The domain leaderboard from every results.json under results/DOMAIN/: leaderboard.md (renders on
a repository page), leaderboard.csv (one row per run, contestant and metric), a self-contained
sortable leaderboard.html and leaderboard.png. Every row names its run, model, recipe and judge,
and whether that judge passed calibration."""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path

import pandas as pd

from ._chart import plot_leaderboard
from ._errors import LeaderboardError
from ._results import METRICS, REAL_METRICS, SCHEMA
from ._seeds import POOLED, SEED_PREFIX

LABELS = {
    "fact_recall": "fact recall",
    "fact_error": "wrong fact",
    "cosine": "cosine",
    "judge_score": "judge score",
    "policy_pass": "policy pass",
    "answer_tokens": "tokens",
    "truncated": "cut at cap",
    "loop_blocked": "loop guard",
    "intent_served": "intent served",
}
# shares, shown as percentages
RATES = ("fact_recall", "fact_error", "policy_pass", "truncated", "loop_blocked", "intent_served")
EVALUATIONS = {"results": "synthetic test", "real_queries": "real queries"}


def load_runs(domain_results: Path) -> tuple[list[dict], list[str]]:
    """(runs of the current scoring version, ids of runs made by an older one): a table never mixes
    scoring versions; older runs are named under the tables instead."""
    runs, older = [], []
    for path in sorted(Path(domain_results).glob("*/results.json")):
        try:
            record = json.loads(path.read_text())
        except ValueError as exc:
            raise LeaderboardError(f"{path}: not valid JSON ({exc})") from None
        if not str(record.get("schema", "")).startswith("domainbench.results/"):
            raise LeaderboardError(f"{path}: not a domainbench results file (no 'schema' field)")
        record["_run_id"] = path.parent.name
        if record["schema"] != SCHEMA:
            older.append(f"{path.parent.name} ({record['schema']})")
            continue
        runs.append(record)
    if not runs:
        hint = f"; older scoring versions only: {', '.join(older)}" if older else ""
        raise LeaderboardError(f"no {SCHEMA} */results.json under {domain_results} (run `bench run DOMAIN`){hint}")
    return runs, older


def _judge_label(run: dict) -> str:
    judge = run["judge"]
    state = "passed" if judge["calibration_passed"] else "FAILED"
    acc = judge["calibration"].get("accuracy")
    protocol = judge.get("protocol", "rating")
    return f"{judge['model']} ({protocol}, calibration {state}, acc {'n/a' if acc is None else f'{acc:.2f}'})"


def _share(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def calibration_table(runs: list[dict]) -> pd.DataFrame:
    """Per run: the judge, its calibration accuracy [95% CI over probe rows] overall and per bad kind
    (held-out kinds marked *), the two baselines' accuracy on the same probes, and the verdict."""
    rows = []
    for run in runs:
        cal = run["judge"]["calibration"]
        kinds = cal.get("by_kind")
        if not kinds:
            continue
        base = {"run": run["_run_id"], "judge": run["judge"]["model"], "protocol": cal.get("protocol", "-")}
        for kind in ("overall", *cal["bad_kinds"]):
            d = kinds.get(kind) or {}
            if not d.get("pairs"):
                continue
            ci = d.get("ci95")
            mark = " *" if kind in cal["held_out_kinds"] else ""
            rows.append(
                {
                    **base,
                    "bad kind": f"{kind}{mark}",
                    "pairs": d["pairs"],
                    "judge accuracy": _share(d["accuracy"]) + (f" [{ci[0]:.2f}, {ci[1]:.2f}]" if ci else ""),
                    **{f"{name} accuracy": _share(b[kind]["accuracy"]) for name, b in cal["baselines"].items()},
                    "passed": ("yes" if cal["passed"] else "NO") if kind == "overall" else "",
                }
            )
    return pd.DataFrame(rows)


def _sections(run: dict):
    """(evaluation label, its section): the synthetic test's, then the real queries' if the run has them."""
    yield EVALUATIONS["results"], run, METRICS
    if run.get("real_queries"):
        yield EVALUATIONS["real_queries"], run["real_queries"], REAL_METRICS


def long_table(runs: list[dict]) -> pd.DataFrame:
    rows = []
    for run in runs:
        for evaluation, section, known in _sections(run):
            for contestant, metrics in section["results"].items():
                vs_base = section["comparisons"].get(f"{contestant} - base", {})
                vs_tuned = section["comparisons"].get(f"{contestant} - tuned", {})  # retrieval contestants
                for metric, d in metrics.items():
                    if metric in known:
                        deltas = (vs_base.get(metric, {}), vs_tuned.get(metric, {}))
                        rows.append(_long_row(run, evaluation, contestant, metric, d, *deltas))
            seeds = section.get("train_seeds")
            for metric, pooled in ((seeds or {}).get("pooled") or {}).items():
                if metric in known:  # the pooled effect of the training seeds, and their spread
                    row = _long_row(run, evaluation, POOLED, metric, pooled, pooled["vs_base"], {})
                    spread = seeds["spread"][metric]["delta_vs_base"]
                    rows.append(row | {f"seeds_delta_{k}": spread[k] for k in ("n", "sd", "min", "max")})
    return pd.DataFrame(rows)


def _long_row(run: dict, evaluation: str, contestant: str, metric: str, d: dict, delta: dict, vs_tuned: dict) -> dict:
    return {
        "run": run["_run_id"],
        "model": run["config"]["model"]["spec"],
        "recipe": run["config"]["recipe"]["name"],
        "evaluation": evaluation,
        "contestant": contestant,
        "metric": metric,
        "mean": d["mean"],
        "stderr": d["stderr"],
        "ci95_low": (d["ci95"] or [None, None])[0],
        "ci95_high": (d["ci95"] or [None, None])[1],
        "n": d["n"],
        "k_clusters": d.get("k"),
        "unscored": d["unscored"],
        "delta_vs_base": delta.get("delta"),
        "delta_ci95_low": (delta.get("ci95") or [None, None])[0],
        "delta_ci95_high": (delta.get("ci95") or [None, None])[1],
        "delta_p_value": delta.get("p_value"),
        "delta_p_holm": delta.get("p_holm"),
        "delta_vs_tuned": vs_tuned.get("delta"),
        "delta_vs_tuned_ci95_low": (vs_tuned.get("ci95") or [None, None])[0],
        "delta_vs_tuned_ci95_high": (vs_tuned.get("ci95") or [None, None])[1],
        "delta_vs_tuned_p_value": vs_tuned.get("p_value"),
        "delta_vs_tuned_p_holm": vs_tuned.get("p_holm"),
        "judge": run["judge"]["model"],
        "judge_calibration_passed": run["judge"]["calibration_passed"],
        "git_commit": (run.get("git") or {}).get("commit"),
        "date": run["date"],
    }


SPECS = {"policy_pass": ".0%", "fact_recall": ".0%", "fact_error": ".0%", "truncated": ".1%", "loop_blocked": ".1%",
         "answer_tokens": ".0f", "judge_score": ".2f", "intent_served": ".0%"}  # fmt: skip


def _value(x: float, metric: str) -> str:
    return format(x, SPECS.get(metric, ".3f"))


def format_metric(d: dict | None, metric: str) -> str:
    if not d or d["mean"] is None:
        return "-"  # not measured (or not recorded by an older results schema)

    def f(x: float) -> str:
        return _value(x, metric)

    text = f"{f(d['mean'])} [{f(d['ci95'][0])}, {f(d['ci95'][1])}]" if d["ci95"] else f"{f(d['mean'])} [no CI]"
    if metric in ("judge_score", "fact_recall", "fact_error", "intent_served"):  # over a subset of the items
        text += f" n={d['n']}" + (f", {d['unscored']} unscored" if d["unscored"] else "")
    return text


def format_delta(d: dict | None, metric: str) -> str:
    if not d or d["delta"] is None:
        return ""
    scale, digits, unit = _delta_scale(metric)
    if not d["ci95"]:
        return f"{d['delta'] * scale:+.{digits}f}{unit} [no CI]"
    lo, hi = (x * scale for x in d["ci95"])
    return f"{d['delta'] * scale:+.{digits}f}{unit} [{lo:+.{digits}f}, {hi:+.{digits}f}] {format_p(d.get('p_holm'))}"


def _delta_scale(metric: str) -> tuple[float, int, str]:
    """How a difference of `metric` prints: (scale, digits, unit); rates in percentage points."""
    scale, digits = {"answer_tokens": (1, 0), "judge_score": (1, 2)}.get(
        metric, (100, 1) if metric in RATES else (1, 3)
    )
    return scale, digits, " pts" if metric in RATES else ""


def format_spread(spread: dict | None, metric: str) -> str:
    """The spread between training seeds of one metric's effect: 'sd 1.2 pts, range [+9.0, +12.1], 3 seeds'."""
    if not spread or spread.get("min") is None:
        return ""
    scale, digits, unit = _delta_scale(metric)
    sd = "sd n/a" if spread["sd"] is None else f"sd {spread['sd'] * scale:.{digits}f}{unit}"
    low, high = spread["min"] * scale, spread["max"] * scale
    return f"{sd}, range [{low:+.{digits}f}, {high:+.{digits}f}], {spread['n']} seeds"


def format_p(p: float | None) -> str:
    """A Holm-adjusted p. The permutation test cannot resolve p far below 2 / (resamples + 1): say so
    rather than print its floor (statistics.p_floor in results.json says more)."""
    if p is None:
        return ""
    return "p_holm<0.001" if p < 0.001 else f"p_holm={p:.3f}"


def configuration(run: dict) -> str:
    """What makes two runs the same experiment: model, recipe (all but its training seed), data,
    answer settings and judge. Which other contestants ran beside a contestant does not change it:
    base of a --rag run and base of a plain run are one row (one entry when their answers are the same)."""
    config = run["config"]
    recipe = {k: v for k, v in config["recipe"].items() if k not in ("seed", "overrides")}
    return json.dumps(
        [config["model"]["spec"], recipe, config.get("dataset"), config.get("generation"), config.get("max_items"),
         config.get("judge_settings"), run["judge"]["model"]],
        sort_keys=True, default=str,
    )  # fmt: skip


def _role(contestant: str) -> str:
    """`tuned` for every training seed's adapter; any other contestant is its own role."""
    return "tuned" if contestant.startswith(SEED_PREFIX) else contestant


def _between(means: list[float], metric: str) -> str:
    """Several runs or seeds of one configuration: 'mean sd s (range a to b)' of their means."""
    import statistics

    def f(x: float) -> str:
        return _value(x, metric)

    return f"{f(statistics.fmean(means))} sd {f(statistics.stdev(means))} (range {f(min(means))} to {f(max(means))})"


def wide_table(runs: list[dict]) -> pd.DataFrame:
    """One row per configuration (`configuration`) and contestant, each metric as 'mean [95% CI]',
    naming the judge. Runs of one configuration, and the training seeds of a --train-seeds run, make
    one row: the mean of their means with the standard deviation and range between them, and `n`
    counts them (the same answers reached by two runs count once)."""
    groups: dict[tuple[str, str], list[tuple[dict, str]]] = {}
    for run in runs:
        same = configuration(run)
        for contestant in run["results"]:
            groups.setdefault((same, _role(contestant)), []).append((run, contestant))
    rows = []
    for members in groups.values():
        distinct = {}
        for run, contestant in members:  # one entry per answers stage: a rerun is not a second sample
            key = run.get("task_hashes", {}).get(f"answers:{contestant}") or f"{run['_run_id']}:{contestant}"
            distinct.setdefault(key, (run, contestant))
        first, name = members[0]
        row = {"model": first["config"]["model"]["spec"], "recipe": first["config"]["recipe"]["name"],
               "contestant": _role(name), "n": len(distinct)}  # fmt: skip
        for metric in METRICS:
            cells = [run["results"][c].get(metric) for run, c in distinct.values()]
            means = [d["mean"] for d in cells if d and d.get("mean") is not None]
            many = len(distinct) > 1 and len(means) > 1
            row[LABELS[metric]] = _between(means, metric) if many else format_metric(cells[0], metric)
        row["judge"] = _judge_label(first)
        row["run"] = ", ".join(sorted({run["_run_id"] for run, _ in distinct.values()}))
        rows.append(row)
    return pd.DataFrame(rows)


def comparison_table(runs: list[dict]) -> pd.DataFrame:
    """Each contestant minus base on the same items (paired), and tuned vs base pairwise."""
    rows = []
    for run in runs:
        pair = run["pairwise"].get("tuned vs base")
        for name, comparison in run["comparisons"].items():
            contestant, against = name.split(" - ")
            row = {
                "model": run["config"]["model"]["spec"],
                "recipe": run["config"]["recipe"]["name"],
                "contestant": contestant,
                "vs": against,
            }
            for metric in METRICS:
                row[f"Δ {LABELS[metric]}"] = format_delta(comparison.get(metric), metric)
            row["pairwise W/T/L (unscored)"] = (
                f"{pair['wins']}/{pair['ties']}/{pair['losses']} ({pair['unscored']}), "
                f"adj. win rate {pair['win_rate_adjusted']:.2f} {format_p(pair.get('p_holm'))}".rstrip()
                if name == "tuned - base" and pair and pair["n"]
                else ("0 scored pairs" if name == "tuned - base" and pair else "")
            )
            row["judge"] = _judge_label(run)
            rows.append(row)
        seeds = run.get("train_seeds")
        if seeds:  # the pooled effect, with the spread of the per-seed effects beside its item-level CI
            row = {"model": run["config"]["model"]["spec"], "recipe": run["config"]["recipe"]["name"],
                   "contestant": f"{POOLED}, {len(seeds['contestants'])} seeds", "vs": "base"}  # fmt: skip
            for metric in METRICS:
                delta = format_delta(seeds["pooled"][metric]["vs_base"], metric)
                spread = format_spread(seeds["spread"][metric]["delta_vs_base"], metric)
                row[f"Δ {LABELS[metric]}"] = f"{delta}; between seeds {spread}" if delta and spread else delta
            row["pairwise W/T/L (unscored)"] = ""
            row["judge"] = _judge_label(run)
            rows.append(row)
    return pd.DataFrame(rows)


SIDE_BY_SIDE = ("judge_score", "policy_pass", "answer_tokens", "truncated")  # metrics both evaluations have


def real_table(runs: list[dict]) -> pd.DataFrame:
    """Per run with real queries and contestant: the metrics both evaluations have, synthetic test and
    real queries side by side (each with its own items and CIs), then intent served (real only)."""
    rows = []
    for run in runs:
        real = run.get("real_queries")
        if not real:
            continue
        for contestant, metrics in real["results"].items():
            row = {"model": run["config"]["model"]["spec"], "contestant": contestant}
            for metric in SIDE_BY_SIDE:
                row[f"{LABELS[metric]}: synthetic"] = format_metric(
                    run["results"].get(contestant, {}).get(metric), metric
                )
                row[f"{LABELS[metric]}: real"] = format_metric(metrics.get(metric), metric)
            row["intent served: real"] = format_metric(metrics.get("intent_served"), "intent_served")
            for against in ("base", "tuned"):  # retrieval contestants are compared with tuned too
                deltas = real["comparisons"].get(f"{contestant} - {against}")
                if deltas is None:
                    continue
                row[f"Δ vs {against}, real"] = "; ".join(
                    f"{LABELS[m]} {format_delta(d, m)}"
                    for m, d in deltas.items()
                    if m in ("intent_served", "judge_score", "policy_pass") and format_delta(d, m)
                )
            row["run"] = run["_run_id"]
            rows.append(row)
    return pd.DataFrame(rows)


def real_note(runs: list[dict]) -> str:
    """Where the real queries came from and how they were scored, per run that has them."""
    notes = []
    for run in runs:
        real = run.get("real_queries")
        if not real:
            continue
        src, n, finder = real["source"], real["n_samples"], real.get("intent_finder") or {}
        synthetic = run["n_samples"]
        acc = finder.get("accuracy")
        notes.append(
            f"{run['_run_id']}: {n['test_items']} real queries (a seeded sample of `{src['file']}`, sha256 "
            f"{src['sha256'][:12]}) in {n['clusters']} categories, {n.get('intent_items', 0)} of them in a category "
            f"mapped to intents (`{src['mapping']}`), {n['judged_items']} judged; beside {synthetic['test_items']} "
            f"synthetic test items in {synthetic['clusters']} intents. Real-query CIs resample categories. Judge: "
            f"{real['judge']['protocol']} (its calibration is the synthetic test's; fewer questions than the "
            "synthetic judge score's 5, so compare contestants within a column, not the two columns). Intent "
            f"finder accuracy on the synthetic test references: {'n/a' if acc is None else f'{acc:.0%}'} "
            "(its centroids: each intent's calibration wording, which no contestant was trained on)."
        )
    return " ".join(notes)


def policy_table(runs: list[dict]) -> pd.DataFrame:
    rules = sorted({rule for run in runs for f in run["policy_failures"].values() for rule in f})
    rows = []
    for run in runs:
        n = run["n_samples"]["test_items"]
        for contestant, failures in run["policy_failures"].items():
            row = {"model": run["config"]["model"]["spec"], "contestant": contestant}
            row.update({rule: f"{failures.get(rule, 0)} / {n}" for rule in rules})
            rows.append(row)
    return pd.DataFrame(rows)


def calibration_note(runs: list[dict]) -> str:
    marks = {json.dumps(r["judge"]["calibration"].get("pass_mark"), sort_keys=True) for r in runs}
    mark = json.loads(sorted(marks)[0]) if marks else {}
    return (
        "Accuracy: the share of (good, bad) answer pairs of a probe row that the judge scores in the right order "
        "(an unscored side counts as wrong), [95% CI resampling probe rows, one intent each]. Good answers: the "
        "intent's calibration wording with the row's slots, and the reference's sentences reordered. Bad kinds "
        "marked * were held out of the domain verifier's training data. Baselines on the same pairs: cosine to "
        f"the reference, and answer length (longer ranked higher). Pass mark (judge/_calibration.py): overall >= "
        f"{mark.get('min_accuracy')}, each held-out kind >= {mark.get('min_held_out_accuracy')}, overall above both "
        f"baselines, unscored <= {mark.get('max_unscored')}."
    )


def intro(runs: list[dict]) -> str:
    """What every cell means, with the items, clusters and comparisons behind it."""
    sizes = sorted({(r["n_samples"]["test_items"], r["n_samples"]["clusters"]) for r in runs})
    counted = ", ".join(f"{n} test items in {k} intent clusters" for n, k in sizes)
    shown = sum(
        sum(d.get("p_value") is not None for c in r["comparisons"].values() for d in c.values())
        + sum(d.get("p_value") is not None for d in r["pairwise"].values())
        + sum(
            d["vs_base"].get("p_value") is not None for d in ((r.get("train_seeds") or {}).get("pooled") or {}).values()
        )
        for r in runs
    )
    family = sum((r.get("multiple_comparisons") or {}).get("comparisons", 0) for r in runs)
    real = f" plus the real-query comparisons, {family} in all" if family != shown else ""
    return (
        f"Each cell: mean [95% CI], bootstrap over intents ({counted}): items made from one intent's templates are "
        "not independent, so intents are resampled, not items. Δ: contestant minus base (a retrieval contestant "
        f"also minus tuned) on the same test items [clustered 95% CI]. The comparison table holds {shown} "
        "comparisons (every metric and the pairwise test, per run); p_holm: two-sided sign-flip permutation p "
        f"over intents, Holm-adjusted within each run over those{real}. n: how many runs or training seeds "
        "(--train-seeds) of one configuration a row stands for; with more than one, a cell is the mean of their "
        "means, with the standard deviation and range between them (answers two runs share count once), and the "
        "seeds' pooled effect, with its item-level CI, is in the comparison table."
    )


def _markdown(runs: list[dict], wide: pd.DataFrame, domain: str, older: list[str]) -> str:
    first = runs[0]
    lines = [
        f"# {domain} leaderboard",
        "",
        f"{len(runs)} run(s) of scoring version `{SCHEMA}`; generated by `bench leaderboard {domain}` from "
        f"`results/{domain}/*/results.json`.",
        intro(runs),
        "",
        wide.to_markdown(index=False),
        "",
        "## Against base (retrieval contestants also against tuned), on the same test items",
        "",
        comparison_table(runs).to_markdown(index=False),
        "",
        *([note, ""] if (note := retrieval_note(runs)) else []),
        *_real_lines(runs),
        "## Judge calibration (probes from test items; good answers never the reference shown)",
        "",
        calibration_note(runs),
        "",
        calibration_table(runs).to_markdown(index=False),
        "",
        "## Policy failures by rule (answers failing each rule / test items)",
        "",
        policy_table(runs).to_markdown(index=False),
        "",
        "## How each number was produced",
        "",
    ]
    lines += [f"- **{LABELS[m]}**: {text}" for m, text in METRICS.items()]
    if any(r.get("real_queries") for r in runs):
        lines += [f"- **{LABELS[m]}, real queries**: {text}" for m, text in REAL_METRICS.items()]
    lines += [f"- **{k}**: {v}" for k, v in first["statistics"].items()]
    lines += [
        "",
        "| run | command | test items | judged items | judge | judge requests ok / unscored / error | answer cap "
        "(tokens) | git commit | hardware | date |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        hw = run.get("hardware", {})
        req = run["judge"].get("requests") or {}
        caps = {c.get("max_new_tokens") for c in run["config"].get("contestants", {}).values() if isinstance(c, dict)}
        cap = ", ".join(str(c) for c in sorted(caps, key=str)) or str(
            run["config"].get("generation", {}).get("max_new_tokens", "-")
        )
        lines.append(
            f"| {run['_run_id']} | `{run.get('command') or '-'}` | {run['n_samples']['test_items']} | "
            f"{run['n_samples']['judged_items']} | {_judge_label(run)} | "
            f"{req.get('ok', '-')} / {req.get('unscored', '-')} / {req.get('error', '-')} | {cap} | "
            f"{(run.get('git') or {}).get('commit', '-')} | "
            f"{hw.get('cpu_count')} x {hw.get('cpu', '?')}, {hw.get('memory_gb')} GB | {run['date']} |"
        )
    if older:
        lines += [
            "",
            f"**Not shown: {len(older)} run(s) made by an older scoring version** ({', '.join(older)}); their numbers "
            "are not comparable with these. Rerun them with this code to include them.",
        ]
    unfinished = [r["_run_id"] for r in runs if not r.get("complete", True)]
    if unfinished:
        lines += [
            "",
            f"**Unfinished run(s)** ({', '.join(unfinished)}): an endpoint failed on some requests after retries; "
            "those answers or judgments are counted as failed. Rerun the same command to retry them.",
        ]
    failed = [r["_run_id"] for r in runs if not r["judge"]["calibration_passed"]]
    if failed:
        lines += [
            "",
            f"**Judge calibration FAILED in {len(failed)} run(s)** ({', '.join(failed)}): that judge could not rate "
            "known-good answers above known-bad ones reliably, so its judge score and pairwise numbers are not to be "
            "trusted; cosine and policy numbers do not depend on it.",
        ]
    return "\n".join(lines) + "\n"


def retrieval_note(runs: list[dict]) -> str:
    """Per run with retrieval contestants: k, recall@k, the index and the prompt."""
    notes = []
    for run in runs:
        got = run.get("retrieval")
        if not got:
            continue
        recall = got.get("recall_at_k")
        dropped = got.get("prompts_with_passages_dropped")
        notes.append(
            f"{run['_run_id']}: base+rag and tuned+rag are base and tuned with the top {got['k']} of "
            f"{got['index']['passages']} policy passages in the prompt ({got['prompt']['name']}: the domain's grounded "
            f"prompt; {got['index']['engine']}, {got['index']['embedder']} embeddings). Retrieval recall@{got['k']}: "
            f"{'n/a' if recall is None else f'{recall:.0%}'} of {got['items']} test items had every reference fact in "
            "their retrieved passages"
            + (f"; {dropped} prompts dropped passages to fit the model's input." if dropped else ".")
        )
    return " ".join(notes)


def _real_lines(runs: list[dict]) -> list[str]:
    real = real_table(runs)
    if real.empty:
        return []
    return [
        "## Synthetic test and real customer queries, side by side",
        "",
        real_note(runs),
        "",
        real.to_markdown(index=False),
        "",
    ]


# pandas writes the table; the few lines of script that make its columns sortable are written by
# hand because the page must work offline, and the table libraries that do this load from a CDN.
SORT_SCRIPT = """<script>
document.querySelectorAll('table.leaderboard th').forEach((th, col) => {
  th.style.cursor = 'pointer'; th.title = 'sort';
  th.addEventListener('click', () => {
    const body = th.closest('table').tBodies[0], rows = Array.from(body.rows);
    const dir = th.dataset.dir = th.dataset.dir === 'asc' ? 'desc' : 'asc';
    const key = r => { const t = r.cells[col].innerText, n = parseFloat(t); return isNaN(n) ? t : n; };
    rows.sort((a, b) => (key(a) > key(b) ? 1 : key(a) < key(b) ? -1 : 0) * (dir === 'asc' ? 1 : -1));
    rows.forEach(r => body.appendChild(r));
  });
});
</script>"""


def _html(
    runs: list[dict],
    markdown_intro: str,
    wide: pd.DataFrame,
    comparison: pd.DataFrame,
    calibration: pd.DataFrame,
    chart: Path,
    domain: str,
) -> str:
    png = base64.b64encode(chart.read_bytes()).decode()
    table = wide.to_html(index=False, classes="leaderboard", border=0, escape=True)
    table += "<h2>Against base (retrieval contestants also against tuned), on the same test items</h2>"
    table += comparison.to_html(index=False, classes="leaderboard", border=0, escape=True)
    if note := retrieval_note(runs):
        table += f"<p>{html.escape(note)}</p>"
    real = real_table(runs)
    if not real.empty:
        table += f"<h2>Synthetic test and real customer queries, side by side</h2><p>{html.escape(real_note(runs))}</p>"
        table += real.to_html(index=False, classes="leaderboard", border=0, escape=True)
    if not calibration.empty:
        table += "<h2>Judge calibration</h2>" + calibration.to_html(index=False, classes="leaderboard", border=0)
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(domain)} leaderboard</title>"
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;font-size:13px}"
        "th,td{border:1px solid #ccc;padding:4px 6px;text-align:left}th{background:#eee}</style></head><body>"
        f"<h1>{html.escape(domain)} leaderboard</h1><p>{html.escape(markdown_intro)}</p>{table}"
        f"<p><img alt='metrics with 95% CI' src='data:image/png;base64,{png}'></p>{SORT_SCRIPT}</body></html>\n"
    )


def write_leaderboard(domain_results: Path) -> dict[str, Path]:
    """Write leaderboard.{md,csv,html,png} into results/DOMAIN/ (each to a temporary name first)."""
    domain_results = Path(domain_results)
    domain = domain_results.name
    runs, older = load_runs(domain_results)
    wide = wide_table(runs)
    paths = {ext: domain_results / f"leaderboard.{ext}" for ext in ("md", "csv", "html", "png")}
    tmp = {ext: p.with_name(f".{p.name}.partial") for ext, p in paths.items()}
    plot_leaderboard(runs, tmp["png"])
    tmp["md"].write_text(_markdown(runs, wide, domain, older))
    long_table(runs).to_csv(tmp["csv"], index=False)
    note = f"Click a column header to sort. {intro(runs)} See leaderboard.md for definitions."
    tmp["html"].write_text(_html(runs, note, wide, comparison_table(runs), calibration_table(runs), tmp["png"], domain))
    for ext in paths:
        tmp[ext].rename(paths[ext])
    return paths
