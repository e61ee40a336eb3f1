"""`bench data ...`: looking at synthetic data against real data."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

import synth

from .._domains import domain_dir
from ._common import SIZE_HELP, console, fail

app = typer.Typer(help="Inspect synthetic data against real data.", no_args_is_help=True)


@app.command("coverage")
def coverage(
    domain: str = typer.Argument(..., help="Domain name under benchmarks/, or a path to a domain folder."),
    real: Path = typer.Option(..., help="CSV of real customer queries with columns text,category."),
    seed: int = typer.Option(0, help="Seed of the synthetic dataset to compare."),
    size: int | None = typer.Option(None, min=1, help=SIZE_HELP),
    threshold: float = typer.Option(
        0.6, help="A category whose median nearest similarity is below this is poorly covered."
    ),
    sample_per_category: int = typer.Option(0, help="Use at most this many real queries per category (0: all)."),
    out: Path | None = typer.Option(None, help="Also write the table to this .csv or .md file."),
) -> None:
    """How close real customer queries come to the synthetic ones, per real category.

    Embeds both with the shipped all-MiniLM-L6-v2 and reports, for each real category, the cosine
    similarity of each real query to its nearest synthetic query (train split), worst first.
    Real queries are a yardstick only: none of their text goes into the templates.

    Example: bench data coverage banking --real ../shared/data/banking77/train.csv
    """
    if not 0 < threshold < 1:
        raise fail(f"--threshold must be between 0 and 1, got {threshold}")
    real_df = synth.read_real_queries(real, sample_per_category or None, seed)
    d = synth.load_domain(domain_dir(domain))
    if d.source is not None:
        raise fail(f"coverage compares real queries with template-made ones; {d.name} is made from a source")
    rows = synth.synthesize(d, synth.SynthSettings.for_domain(d, size, seed=seed)).splits["train"]
    with Progress(
        TextColumn("embedding"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("embedding", total=len(real_df) + len(rows))
        table = synth.measure_coverage(real_df, rows, threshold, advance=lambda n: bar.advance(task, n))
    show = Table(
        title=f"Coverage of {real.name} ({len(real_df)} real queries) by {len(rows)} synthetic {d.name} queries"
    )
    for col in (
        "real category",
        "n",
        "mean",
        "median",
        "p10",
        f"share >= {threshold}",
        "nearest synthetic intent",
        "",
    ):
        show.add_column(col, justify="left" if col in ("real category", "nearest synthetic intent", "") else "right")
    for rec in table.itertuples(index=False):
        show.add_row(
            rec.category,
            str(rec.n),
            f"{rec.mean:.3f}",
            f"{rec.median:.3f}",
            f"{rec.p10:.3f}",
            f"{rec.covered:.0%}",
            rec.nearest_intent,
            "poor" if rec.poorly_covered else "",
            style="red" if rec.poorly_covered else None,
        )
    console.print(show)
    poor = table[table["poorly_covered"]]["category"].tolist()
    console.print(synth.coverage_summary(table.attrs))
    console.print(
        f"{len(poor)} of {len(table)} real categories poorly covered (median < {threshold}): "
        + (", ".join(poor) if poor else "none")
    )
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(table.to_markdown(index=False) + "\n" if out.suffix == ".md" else table.to_csv(index=False))
        console.print(f"wrote {out}")
