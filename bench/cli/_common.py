"""Shared pieces of the CLI: one console, and the one-line error for bad input (exit code 2)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

# Pipes and CI logs get a wide fixed width, so tables are not squeezed to 80 columns.
console = Console(highlight=False, width=None if sys.stdout.isatty() else 140)
err_console = Console(stderr=True, highlight=False)

EXIT_BAD_INPUT = 2


def fail(message: str) -> typer.Exit:
    # the message is printed as written: no rich markup is read in it (a regex such as ^[a-z_]+$ keeps its brackets)
    err_console.print(Text.assemble(("error:", "bold red"), " ", message), soft_wrap=True)
    return typer.Exit(EXIT_BAD_INPUT)


def interactive() -> bool:
    return sys.stderr.isatty()


@contextlib.contextmanager
def progress_panel() -> Iterator[Callable[[str, int], Callable[[int], None]]]:
    """One rich progress display for a whole pipeline: each phase (train, answers, judge, ...)
    asks for a task with `track(description, total)` and advances it with the function returned."""
    columns = (
        TextColumn("{task.description:<28}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=False) as bar:

        def track(description: str, total: int) -> Callable[[int], None]:
            task = bar.add_task(description, total=total)
            return lambda n=1: bar.advance(task, n)

        yield track


@contextlib.contextmanager
def library_output(log: Path | None, header: str = "") -> Iterator[None]:
    """Where the libraries' own output goes while a pipeline runs. `log` None (-v): the terminal, as
    the libraries print it. Otherwise the file `log`: their logging records, warnings, progress bars
    and anything else written to stderr, by this process or a server it starts (file descriptor 2
    points at the file meanwhile, so C code's writes land there too). The terminal keeps the one
    progress display and the stage lines (stdout); errors print after this returns."""
    if log is None:
        yield
        return
    import logging
    import os

    log.parent.mkdir(parents=True, exist_ok=True)
    for name in LIBRARIES:  # their warnings are worth keeping in the file
        logging.getLogger(name).setLevel(logging.WARNING)
    with open(log, "a", encoding="utf-8", buffering=1) as f:
        f.write(header)
        sys.stderr.flush()
        saved = os.dup(2)
        os.dup2(f.fileno(), 2)
        try:
            with contextlib.redirect_stderr(f):
                yield
        finally:
            f.flush()
            os.dup2(saved, 2)
            os.close(saved)


LIBRARIES = ("transformers", "bitsandbytes", "peft", "datasets", "sentence_transformers", "httpx", "chromadb")

SIZE_HELP = (
    "Train rows (validation and test get 10% and 20% of them). Default: the domain's sizes: in domain.yaml, "
    "else 1000 (100 and 200). Not for a domain made from a source: its splits take source.caps."
)
