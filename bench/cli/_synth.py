"""`bench synth DOMAIN`: generate and filter the synthetic dataset, with its data card."""

from __future__ import annotations

import json
import time
from pathlib import Path

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

import synth
from synth import FilterSettings, SynthSettings

from .._domains import domain_dir
from .._synth_stage import run_synth_stage
from ._common import SIZE_HELP, console


def synth_command(
    domain: str = typer.Argument(..., help="Domain name under benchmarks/, or a path to a domain folder."),
    seed: int = typer.Option(0, help="Seed: the same seed gives byte-identical files."),
    size: int | None = typer.Option(None, min=1, help=SIZE_HELP),
    out: Path | None = typer.Option(None, help="Output folder. Default: $DOMAINBENCH_HOME/DOMAIN/synth-KEY."),
    tokenizer: str | None = typer.Option(
        None,
        help="Count lengths in this model's tokens: a model spec (smollm2-135m) or a local Hugging Face "
        "folder; whitespace words when omitted.",
    ),
    real: Path | None = typer.Option(
        None,
        help="A text,category CSV of real customer queries: the data card then lists how well the train "
        "split covers each real category (a yardstick; none of its text is used).",
    ),
    source: str | None = typer.Option(
        None,
        help="For a domain made from existing data: another file (CSV, JSONL, Parquet) or hub dataset "
        "(ID or ID@REVISION) with the same columns, in place of the one domain.yaml names.",
    ),
) -> None:
    """Generate, filter, split and decontaminate a domain's synthetic dataset.

    Writes dataset/ (a datasets.DatasetDict: train, validation, test), jsonl/, data_card.md,
    synth_report.json and manifest.json. A finished output with the same inputs is reused.

    \b
    Examples:
      bench synth banking
      bench synth banking --seed 1 --size 200 --out /tmp/banking-small
      bench synth banking --real ../shared/data/banking77/train.csv
    """
    if tokenizer and not Path(tokenizer).is_dir():
        import train

        tokenizer = str(train.resolve_model(tokenizer).path)
    settings = SynthSettings.for_domain(
        synth.load_domain(domain_dir(domain)), size, seed=seed, filters=FilterSettings(tokenizer=tokenizer)
    )
    start = time.perf_counter()
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("loading domain", total=None)
        output = run_synth_stage(
            domain_dir(domain),
            settings,
            out,
            progress=lambda step: bar.update(task, description=step),
            real=real,
            source=source,
        )
    seconds = time.perf_counter() - start
    if output.reused:
        console.print(f"[green]reused[/] finished dataset {output.path} (key {output.key[:12]}) in {seconds:.1f} s")
        return
    result = output.result
    if isinstance(result, synth.SourceResult):
        _print_source(result, output, seconds)
        return
    table = Table(title=f"{result.domain.name}: synthetic dataset (seed {seed})")
    for col in ("split", "rows", "intents", "dropped by filters"):
        table.add_column(col, justify="right" if col != "split" else "left")
    drops = {"train": result.filters["train+validation"], "validation": [], "test": result.filters["test"]}
    for split, rows in result.splits.items():
        dropped = sum(f["dropped"] for f in drops[split])
        table.add_row(
            split,
            str(len(rows)),
            str(len({r["intent"] for r in rows})),
            str(dropped) if drops[split] else "-",
        )
    console.print(table)
    dec = result.decontamination
    near, resp = dec["near_duplicates"], dec["responses"]
    console.print(
        f"decontamination: {dec['over_threshold']} of {dec['checked']} test queries over the threshold "
        f"({dec['ngram']}-gram overlap with train), {near['over_threshold']} with similarity >= {near['threshold']} "
        f"(max {near['max_similarity']}); {dec['dropped_before_selection']} dropped before selection; "
        f"test references sharing a {resp['ngram']}-gram with train responses (values masked): "
        f"{resp['with_any_overlap']} of {resp['checked']}; test references that are word for word a train "
        f"response once values are masked: {resp['identical_to_a_train_response']}"
    )
    if result.shortfalls:
        console.print(f"[yellow]shortfalls[/] (intents short of their quota): {result.shortfalls}")
    if real is not None:
        report = json.loads((output.path / "synth_report.json").read_text(encoding="utf-8"))["coverage"]
        console.print(
            f"coverage of {real.name}: {synth.coverage_summary(report)} (per category: {output.path / 'coverage.csv'})"
        )
    console.print(f"wrote {output.path} (data card: {output.path / 'data_card.md'}) in {seconds:.1f} s")


def _print_source(result, output, seconds: float) -> None:
    """The splits of a dataset made from a source, and each filter's drops."""
    table = Table(title=f"{result.domain.name}: dataset from {result.origin.get('file') or result.origin.get('hub')}")
    for col in ("pool", "filter", "rows in", "dropped"):
        table.add_column(col)
    for pool, reports in result.filters.items():
        for f in reports:
            table.add_row(pool, f["filter"], str(f["in"]), str(f["dropped"]))
    console.print(table)
    counts = ", ".join(f"{k} {len(v)}" for k, v in result.splits.items())
    console.print(f"wrote {output.path} ({counts}; key {output.key[:12]}) in {seconds:.1f} s")
