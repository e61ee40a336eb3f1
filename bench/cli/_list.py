"""`bench list`: the domain benchmarks found."""

from __future__ import annotations

from rich.table import Table

from synth import DomainError, load_domain

from .._domains import benchmarks_root, domain_names
from ._common import console


def list_domains() -> None:
    """List the domain benchmarks under the benchmarks folder, with their intents and categories.

    The folder is $DOMAINBENCH_BENCHMARKS, else ./benchmarks, else the one shipped with domainbench.

    Example: bench list
    """
    root = benchmarks_root()
    table = Table(title=f"Domains in {root}")
    for col in ("domain", "title", "intents", "categories", "status"):
        table.add_column(col)
    for name in domain_names(root):
        try:
            d = load_domain(root / name)
            if d.source is not None:  # made from existing data: no intents
                table.add_row(name, d.title, "-", "-", f"valid (from {d.source.path or d.source.hub})")
                continue
            table.add_row(name, d.title, str(len(d.intents)), str(len({i.category for i in d.intents})), "valid")
        except DomainError as exc:
            table.add_row(name, "", "", "", f"[red]invalid: {exc}[/]")
    console.print(table)
