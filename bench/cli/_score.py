"""`bench score DOMAIN FILE.jsonl`: score any answers file with every metric the domain has."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from ._common import SIZE_HELP, console, interactive, progress_panel
from ._judge import JUDGE_HELP, judge_choice, preflight


def score_command(
    domain: str = typer.Argument(..., help="Domain name under benchmarks/, or a path to a domain folder."),
    file: Path = typer.Argument(..., help="JSONL rows with question, reference and answer (extra fields kept)."),
    judge: str = typer.Option("local", help=JUDGE_HELP),
    judge_base_url: str | None = typer.Option(None, help="Judge endpoint (vLLM, Ollama, llama.cpp, OpenAI)."),
    out: Path | None = typer.Option(None, help="Scored rows (JSONL). Default: FILE with .scored.jsonl."),
    seed: int = typer.Option(0, help="Seed of the dataset the domain verifier is trained from."),
    size: int | None = typer.Option(None, min=1, help=SIZE_HELP),
) -> None:
    """Score an answers file: cosine similarity to the reference, the policy checks, fact recall
    (rows with `facts`) and the judge's rubric (rubric-v1: yes/no questions from logprobs).

    Writes the scored rows, each with every rubric item (P(yes), how it was read, raw output), and
    prints a summary. Judgments are cached beside the output, one file per judge
    (OUT.<judge hash>.judgments.jsonl): a rerun sends nothing twice. The domain verifier
    (--judge local) is reused from its stage, or trained first.

    \b
    Examples:
      bench score banking answers.jsonl
      bench score banking answers.jsonl --judge smollm2-135m --out untrained.jsonl
      bench score banking answers.jsonl --judge openai:gpt-4o-mini
    """
    import synth
    from judge._score_file import read_rows, score_rows, summary

    from .._domains import domain_dir
    from .._store import stable_hash
    from .._synth_stage import run_synth_stage

    rows = read_rows(file)  # a bad row fails here, before any work
    out = out or file.with_suffix(".scored.jsonl")
    folder = domain_dir(domain)
    choice = judge_choice(judge, judge_base_url, True)
    preflight(choice, ())
    loaded = synth.load_domain(folder)
    dataset = run_synth_stage(folder, synth.SynthSettings.for_domain(loaded, size, seed=seed))
    factory, identity = choice.resolve(loaded, dataset, progress=interactive())
    # one cache per judge: another judge never reads this one's verdicts
    judgments = out.with_suffix(f".{stable_hash(identity)[:12]}.judgments.jsonl")
    with progress_panel() as track, factory() as endpoint:
        scored, records = score_rows(loaded, rows, endpoint, judgments, track)
    tmp = out.with_suffix(".partial")
    tmp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in scored), encoding="utf-8")
    tmp.rename(out)
    figures = summary(scored, records)
    table = Table(title=f"{file.name}: {figures['rows']} rows scored by {identity['model']}")
    for column in ("judge score (0-1)", "judge unscored", "cosine", "policy pass"):
        table.add_column(column, justify="right")
    fmt = lambda v, spec: "n/a" if v is None else format(v, spec)  # noqa: E731
    table.add_row(fmt(figures["judge_score"], ".3f"), str(figures["judge_unscored"]), fmt(figures["cosine"], ".3f"),
                  fmt(figures["policy_pass"], ".0%"))  # fmt: skip
    console.print(table)
    console.print(f"wrote {out} (judgments: {judgments})")
