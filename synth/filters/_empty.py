"""Drop rows whose query or response is empty or only white space."""

from __future__ import annotations

from ._base import RowFilter


class EmptyFilter(RowFilter):
    name = "empty"

    def reason(self, row: dict) -> str | None:
        for name in ("query", "response"):
            if not str(row.get(name) or "").strip():
                return f"empty {name}"
        return None
