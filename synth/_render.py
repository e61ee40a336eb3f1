"""Template syntax: {slot} takes a slot value, {policy.section.fact} takes a fact from the policy
sheet, and {{placeholder}} stays verbatim for a real bank to fill with customer data."""

from __future__ import annotations

import re
from collections.abc import Mapping

# Hand-written on purpose: str.format and Jinja both consume "{{...}}", which must survive untouched.
TOKEN = re.compile(r"\{\{\s*(?P<placeholder>[A-Za-z_]\w*)\s*\}\}|\{(?P<ref>[a-z_]\w*(?:\.\w+)*)\}")
POLICY_PREFIX = "policy."


def references(text: str) -> tuple[list[str], list[str], list[str]]:
    """(slots, policy fact refs as 'section.fact', placeholders) named in a template, in order."""
    slots, facts, placeholders = [], [], []
    for m in TOKEN.finditer(text):
        if m.group("placeholder"):
            placeholders.append(m.group("placeholder"))
        elif m.group("ref").startswith(POLICY_PREFIX):
            facts.append(m.group("ref")[len(POLICY_PREFIX) :])
        else:
            slots.append(m.group("ref"))
    return slots, facts, placeholders


def literal_text(text: str) -> str:
    """The template with every reference removed: what the author typed by hand."""
    return TOKEN.sub(" ", text)


def render(text: str, slot_values: Mapping[str, str], facts: Mapping[str, str]) -> str:
    def fill(m: re.Match) -> str:
        if m.group("placeholder"):
            return m.group(0)
        ref = m.group("ref")
        return facts[ref[len(POLICY_PREFIX) :]] if ref.startswith(POLICY_PREFIX) else slot_values[ref]

    return TOKEN.sub(fill, text)
