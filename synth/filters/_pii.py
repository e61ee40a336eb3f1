"""Drop rows carrying PII-like strings: a 16-digit card number or a full IBAN."""

from __future__ import annotations

import re

from ._base import RowFilter

# Sixteen digits, optionally grouped by spaces or dashes, not part of a longer digit run.
CARD_NUMBER = re.compile(r"(?<![\d])(?:\d[ -]?){15}\d(?![\d])")
# Country code, check digits, then 11 to 30 alphanumerics, optionally in groups of four.
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b")


class PiiFilter(RowFilter):
    name = "pii"

    def reason(self, row: dict) -> str | None:
        for name in ("query", "response"):
            if CARD_NUMBER.search(row[name]):
                return f"card number in {name}"
            if IBAN.search(row[name]):
                return f"IBAN in {name}"
        return None
