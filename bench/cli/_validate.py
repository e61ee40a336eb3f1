"""`bench validate DOMAIN`: schema and consistency checks, errors with file and line."""

from __future__ import annotations

import typer

from synth import load_domain

from .._domains import domain_dir
from ._common import console


def validate(
    domain: str = typer.Argument(..., help="Domain name under benchmarks/, or a path to a domain folder."),
) -> None:
    """Check a domain's data files against the schema and each other.

    Reports the first problem as FILE:LINE: FIELD: MESSAGE and exits with code 2.

    Example: bench validate banking
    """
    d = load_domain(domain_dir(domain))
    if d.source is not None:
        from synth._source import describe

        origin = describe(d.source, d.root)  # the file exists, or the hub dataset is cached
        where = origin.get("file") or f"hub {origin['hub']}"
        columns = ", ".join(f"{k} <- {v}" for k, v in d.source.columns.items())
        console.print(f"[green]valid[/]: {d.name}: made from {where} ({columns})", markup=True)
        return
    n_queries = sum(len(i.queries) for i in d.intents)
    n_responses = sum(len(i.responses) + len(i.reference_responses) + len(i.calibration_responses) for i in d.intents)
    console.print(
        f"[green]valid[/]: {d.name}: {len(d.intents)} intents in {len(d.categories)} categories, "
        f"{n_queries} query templates, {n_responses} response templates, "
        f"{len(d.policy.facts)} policy facts in {len(d.policy.sections)} sections"
    )
