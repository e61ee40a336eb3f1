"""report: what a reviewer reads for one run, from its results folder: a verdict in plain words, the
per-category effects as a forest plot, an answers browser (every test item with each contestant's
answer, scores, policy failures with the offending words marked, and the judge's questions and
outputs), the data card's figures and the run record. report.html works from file:// offline;
report.md holds the same for code hosts; the domain's index.html / index.md list every run's report.

Public entry points: `write_report(run_dir)`, `write_index(domain_results)`."""

from __future__ import annotations

import json
from pathlib import Path

from synth import read_jsonl

from ._data import data_rows, keep_data_card
from ._effects import EFFECT_METRICS, category_effects, forest_plot
from ._highlights import highlights
from ._page import page
from ._verdict import verdict

ITEMS_FILE = "items.jsonl"  # the test items' question, reference, intent and category, beside results.json


def _judgments(path: Path) -> dict[tuple[str, str], list[dict]]:
    out: dict[tuple[str, str], list[dict]] = {}
    if not path.is_file():
        return out
    for j in read_jsonl(path):
        if j.get("contestant") and j.get("question_id") and j.get("rubric_item"):
            question = j["prompt"][-1]["content"].rsplit("Question: ", 1)[-1] if j.get("prompt") else j["rubric_item"]
            out.setdefault((j["question_id"], j["contestant"]), []).append(
                {"question": question, "raw_output": j.get("raw_output"), "parsed": j.get("parsed")}
            )
    return out


def report_data(run_dir: Path, scores: list[dict]) -> dict:
    """The answers browser's data: every test item with each contestant's answer and scores (the
    run's scores.jsonl rows)."""
    run_dir = Path(run_dir)
    items = {r["id"]: r for r in read_jsonl(run_dir / ITEMS_FILE)} if (run_dir / ITEMS_FILE).is_file() else {}
    judged = _judgments(run_dir / "judgments.jsonl")
    contestants = list(dict.fromkeys(s["contestant"] for s in scores))
    rows: dict[str, dict] = {}
    for s in scores:
        item = items.get(s["question_id"], {})
        row = rows.setdefault(s["question_id"], {
            "id": s["question_id"], "intent": s["intent"], "category": s["category"],
            "question": item.get("question", "(question not recorded)"),
            "reference": item.get("reference", "(reference not recorded)"), "answers": {},
        })  # fmt: skip
        row["answers"][s["contestant"]] = {
            "answer": s.get("answer") or "",
            "cosine": s.get("cosine"),
            "fact_recall": s.get("fact_recall"),
            "policy_passed": s.get("policy_passed"),
            "judge_score": s.get("judge_score"),
            "failures": s.get("policy_failures") or [],
            "highlights": highlights(s.get("answer"), s.get("policy_failures") or []),
            "judgments": judged.get((s["question_id"], s["contestant"]), []),
        }
    return {"contestants": contestants, "items": list(rows.values())}


def _record_rows(record: dict) -> list[tuple[str, str]]:
    hw = record.get("hardware", {})
    stages = record.get("stages", {})
    timing = ", ".join(f"{k} {v.get('seconds_this_invocation')} s" for k, v in stages.items() if isinstance(v, dict))
    return [
        ("command", record.get("command") or "-"),
        ("date", record.get("date", "-")),
        ("git commit", str((record.get("git") or {}).get("commit", "-"))),
        ("model", f"{record['config']['model']['spec']} (sha256 {record['config']['model'].get('sha256', '-')})"),
        ("recipe", record["config"]["recipe"]["name"]),
        ("adapter sha256", str(record["config"].get("adapter_sha256"))),
        ("dataset", json.dumps(record["config"].get("dataset"))),
        ("seeds", json.dumps(record["config"].get("seeds"))),
        ("test items", f"{record['n_samples']['test_items']} in {record['n_samples']['clusters']} intents"),
        ("judge", f"{record['judge']['model']} ({record['judge'].get('protocol')})"),
        ("versions", json.dumps(record.get("versions", {}))),
        ("hardware", f"{hw.get('cpu_count')} x {hw.get('cpu', '?')}, {hw.get('memory_gb')} GB"),
        ("stage timings (this invocation)", timing),
        ("total seconds", str(record.get("total_seconds_this_invocation"))),
        ("results hash", str(record.get("results_hash"))),
    ]


def _md_cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _markdown(title: str, lines: list[str], effects: dict, record_rows: list, data: dict, card: list = ()) -> str:
    out = [f"# {title}", "", "## Verdict", "", *[f"- {line}" for line in lines], "",
           "## Where it is better or worse (per category, tuned - base, 95% CI resampling intents)", "",
           "![per-category effects](report_effects.png)", ""]  # fmt: skip
    for metric, found in effects.items():
        out += [f"**{metric}**", "", "| category | Δ | 95% CI | items |", "|---|---|---|---|"]
        for e in found:
            ci = f"[{e['ci95'][0]:+.3f}, {e['ci95'][1]:+.3f}]" if e["ci95"] else "no CI (one intent)"
            out.append(f"| {e['category']} | {e['delta']:+.3f} | {ci} | {e['n']} |")
        out.append("")
    out += ["## Answers", "", "| item | question | reference | " + " | ".join(data["contestants"]) + " |",
            "|" + "---|" * (3 + len(data["contestants"]))]  # fmt: skip
    for item in data["items"]:
        cells = []
        for c in data["contestants"]:
            a = item["answers"].get(c)
            fails = ", ".join(f["rule"] for f in a["failures"]) if a else ""
            cells.append(_md_cell(f"{a['answer']}" + (f" **[{fails}]**" if fails else "")) if a else "-")
        out.append(
            f"| {item['id']} | {_md_cell(item['question'])} | {_md_cell(item['reference'])} | "
            + " | ".join(cells)
            + " |"
        )
    out += ["", "## Data", "", "| | |", "|---|---|", *[f"| {k} | {_md_cell(v)} |" for k, v in card]]
    out += ["", "## Run record", "", "| | |", "|---|---|", *[f"| {k} | {_md_cell(v)} |" for k, v in record_rows], ""]
    return "\n".join(out)


def write_report(run_dir: Path) -> dict[str, Path]:
    """report.html, report.md and report_effects.png into the run's results folder."""
    run_dir = Path(run_dir)
    record = json.loads((run_dir / "results.json").read_text())
    scores = read_jsonl(run_dir / "scores.jsonl")
    data = report_data(run_dir, scores)
    lines = verdict(record)
    seed = record["config"].get("seeds", {}).get("judge", 0)
    effects = {}
    if {"base", "tuned"} <= set(data["contestants"]):
        effects = {m: category_effects(scores, m, "tuned", seed) for m in EFFECT_METRICS}
        effects = {m: found for m, found in effects.items() if found}
    png = run_dir / "report_effects.png"
    if effects:
        forest_plot(effects, png)
    config = record["config"]
    title = f"{record['domain']}: {config['model']['spec']} / {config['recipe']['name']} ({run_dir.name})"
    rows = _record_rows(record)
    card = data_rows(keep_data_card(run_dir, record))
    paths = {"html": run_dir / "report.html", "md": run_dir / "report.md", "png": png}
    plot = png.read_bytes() if effects else None
    paths["html"].write_text(page(title, lines, plot, rows, data, card), encoding="utf-8")
    paths["md"].write_text(_markdown(title, lines, effects, rows, data, card), encoding="utf-8")
    return paths


def write_index(domain_results: Path) -> dict[str, Path]:
    """index.html and index.md: every run folder's report with its verdict's first lines."""
    import html

    domain_results = Path(domain_results)
    runs = []
    for path in sorted(domain_results.glob("*/report.html")):
        record = json.loads((path.parent / "results.json").read_text())
        runs.append((path.parent.name, record, verdict(record)))
    md = [f"# {domain_results.name}: reports", ""]
    md += [f"- [{name}]({name}/report.md) ({r['date']}): {' '.join(v[:2])}" for name, r, v in runs]
    body = "".join(
        f"<li><a href='{html.escape(name)}/report.html'>{html.escape(name)}</a> ({html.escape(r['date'])}): "
        f"{html.escape(' '.join(v[:2]))}</li>"
        for name, r, v in runs
    )
    paths = {"html": domain_results / "index.html", "md": domain_results / "index.md"}
    paths["html"].write_text(
        "<!doctype html><html><head><meta charset='utf-8'><meta http-equiv='Content-Security-Policy' "
        "content=\"default-src 'none'\"><title>reports</title></head><body>"
        f"<h1>{html.escape(domain_results.name)}: reports</h1><ul>{body}</ul></body></html>\n",
        encoding="utf-8",
    )
    paths["md"].write_text("\n".join(md) + "\n", encoding="utf-8")
    return paths
