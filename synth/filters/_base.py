"""What every filter is: rows in, rows kept out, and a count of why the others were dropped."""

from __future__ import annotations

from collections import Counter
from typing import Protocol


class Filter(Protocol):
    name: str

    def apply(self, rows: list[dict]) -> tuple[list[dict], Counter]:
        """(kept rows in their order, Counter of drop reasons)."""
        ...


class RowFilter:
    """A filter that judges each row on its own: subclasses give `reason(row)`, None to keep."""

    name = "row"

    def reason(self, row: dict) -> str | None:
        raise NotImplementedError

    def apply(self, rows: list[dict]) -> tuple[list[dict], Counter]:
        kept, reasons = [], Counter()
        for row in rows:
            why = self.reason(row)
            if why is None:
                kept.append(row)
            else:
                reasons[why] += 1
        return kept, reasons
