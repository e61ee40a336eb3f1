"""Filters, one per module, run in order; each reports how many rows it dropped and why."""

from __future__ import annotations

from ._base import Filter, RowFilter
from ._dedup import ExactDedup, NearDedup
from ._empty import EmptyFilter
from ._english import EnglishFilter, ascii_ratio
from ._length import LengthFilter, load_token_counter, whitespace_tokens
from ._pii import PiiFilter

__all__ = [
    "Filter",
    "RowFilter",
    "EmptyFilter",
    "EnglishFilter",
    "LengthFilter",
    "PiiFilter",
    "ExactDedup",
    "NearDedup",
    "ascii_ratio",
    "whitespace_tokens",
    "load_token_counter",
    "build_filters",
    "run_filters",
]


def build_filters(settings, count_tokens=None, unit: str = "words") -> list[Filter]:
    """The default chain, from a FilterSettings."""
    count_tokens = count_tokens or whitespace_tokens
    return [
        EmptyFilter(),
        EnglishFilter(settings.min_ascii_ratio),
        LengthFilter(
            count_tokens,
            unit,
            (settings.min_query_tokens, settings.max_query_tokens),
            (settings.min_response_tokens, settings.max_response_tokens),
            settings.min_row_tokens,
        ),
        PiiFilter(),
        ExactDedup(),
        NearDedup(settings.near_duplicate_jaccard, settings.minhash_permutations),
    ]


def run_filters(rows: list[dict], filters: list[Filter]) -> tuple[list[dict], list[dict]]:
    """(kept rows, one report per filter: name, rows in, dropped, reasons)."""
    report = []
    for f in filters:
        before = len(rows)
        rows, reasons = f.apply(rows)
        report.append({"filter": f.name, "in": before, "dropped": before - len(rows), "reasons": dict(reasons)})
    return rows, report
