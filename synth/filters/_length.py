"""Drop rows whose query or response is too short or too long, in tokens of the model's
tokenizer when one is given, else in white-space words."""

from __future__ import annotations

from collections.abc import Callable

from ._base import RowFilter

TokenCounter = Callable[[str], int]


def whitespace_tokens(text: str) -> int:
    return len(text.split())


def load_token_counter(tokenizer: str | None) -> tuple[TokenCounter, str]:
    """(counter, unit name). `tokenizer` is a local Hugging Face tokenizer folder."""
    if tokenizer is None:
        return whitespace_tokens, "words"
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tokenizer, trust_remote_code=False)
    return (lambda text: len(tok(text, add_special_tokens=False)["input_ids"])), "tokens"


class LengthFilter(RowFilter):
    name = "length"

    def __init__(
        self, count: TokenCounter, unit: str, query: tuple[int, int], response: tuple[int, int], min_row: int = 0
    ):
        self.count, self.unit = count, unit
        self.bounds = {"query": query, "response": response}
        self.min_row = min_row

    def reason(self, row: dict) -> str | None:
        if self.min_row and self.count(row["query"]) + self.count(row["response"]) < self.min_row:
            return f"query and response under {self.min_row} {self.unit} together"
        for name, (low, high) in self.bounds.items():
            n = self.count(row[name])
            if n < low:
                return f"{name} under {low} {self.unit}"
            if n > high:
                return f"{name} over {high} {self.unit}"
        return None
