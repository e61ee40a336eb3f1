"""English-only by ASCII ratio (seed system 2): drop rows where too few characters are ASCII."""

from __future__ import annotations

from ._base import RowFilter


def ascii_ratio(text: str) -> float:
    chars = [c for c in text if not c.isspace()]
    return sum(c.isascii() for c in chars) / len(chars) if chars else 1.0


class EnglishFilter(RowFilter):
    name = "english"

    def __init__(self, min_ratio: float):
        self.min_ratio = min_ratio

    def reason(self, row: dict) -> str | None:
        for name in ("query", "response"):
            if ascii_ratio(row[name]) < self.min_ratio:
                return f"{name} ASCII ratio under {self.min_ratio}"
        return None
