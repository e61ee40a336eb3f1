"""Shared pieces of the CLI: one console, and the one-line error for bad input (exit code 2)."""

from __future__ import annotations

import sys

import typer
from rich.console import Console

# Pipes and CI logs get a wide fixed width, so tables are not squeezed to 80 columns.
console = Console(highlight=False, width=None if sys.stdout.isatty() else 140)
err_console = Console(stderr=True, highlight=False)

EXIT_BAD_INPUT = 2


def fail(message: str) -> typer.Exit:
    err_console.print(f"[bold red]error:[/] {message}", soft_wrap=True)
    return typer.Exit(EXIT_BAD_INPUT)


def interactive() -> bool:
    return sys.stderr.isatty()
