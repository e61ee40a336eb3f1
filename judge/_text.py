"""Neutralising text placed inside a judge prompt, so an answer cannot close its own block or
plant a verdict: bracket markers become parentheses."""

from __future__ import annotations

import re

MARKERS = re.compile(r"\[(\s*The (?:Start|End) of[^\]]*)\]", re.IGNORECASE)


def neutralize(text: str) -> str:
    text = MARKERS.sub(r"(\1)", text)
    return text.replace("[[", "( (").replace("]]", ") )")
