"""Shared pieces of the CLI: one console, and the one-line error for bad input (exit code 2)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator

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


def quiet_libraries() -> None:
    """Keep one progress display readable: no per-library bars, advice or deprecation notes."""
    import logging
    import warnings

    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=UserWarning, module="torch")
    for name in ("transformers", "bitsandbytes", "peft", "datasets", "sentence_transformers", "httpx"):
        logging.getLogger(name).setLevel(logging.ERROR)
    import transformers

    transformers.utils.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
