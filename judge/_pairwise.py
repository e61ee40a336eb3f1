"""Pairwise grading with the reference shown (MT-Bench pair-v2 style): verdict [[A]], [[B]] or
[[C]] for a tie. Each pair is judged in both orders; a verdict that flips counts as a tie."""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass

from ._client import JudgeRequest
from ._text import neutralize

NAME = "pair-ref-v1"
SYSTEM = (
    "Please act as an impartial judge and evaluate the quality of the responses provided by two AI assistants to the "
    "user question displayed below, using the reference answer. You should choose the assistant that follows the "
    "user's instructions and answers the user's question better, consistent with the reference. Avoid any position "
    "biases and ensure that the order in which the responses were presented does not influence your decision. Do "
    "not allow the length of the responses to influence your evaluation. Be as objective as possible. After "
    'providing your explanation, output your final verdict by strictly following this format: "[[A]]" if assistant '
    'A is better, "[[B]]" if assistant B is better, and "[[C]]" for a tie.'
)
TEMPLATE = (
    "[User Question]\n{question}\n\n"
    "[The Start of Reference Answer]\n{reference}\n[The End of Reference Answer]\n\n"
    "[The Start of Assistant A's Answer]\n{answer_a}\n[The End of Assistant A's Answer]\n\n"
    "[The Start of Assistant B's Answer]\n{answer_b}\n[The End of Assistant B's Answer]"
)
SCHEMA = {
    "type": "object",
    "properties": {"explanation": {"type": "string", "maxLength": 400}, "verdict": {"enum": ["A", "B", "C"]}},
    "required": ["explanation", "verdict"],
}
VERDICT = re.compile(r"\[\[\s*([ABC])\s*\]\]")


@dataclass(frozen=True)
class Verdict:
    winner: str | None  # "A", "B", "C" (tie) or None: unscored
    reason: str


def render(question: str, reference: str, answer_a: str, answer_b: str) -> list[dict]:
    body = TEMPLATE.format(
        question=neutralize(question),
        reference=neutralize(reference),
        answer_a=neutralize(answer_a),
        answer_b=neutralize(answer_b),
    )
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": body}]


def parse(output: str, structured: bool) -> Verdict:
    if structured:
        try:
            value = json.loads(output)["verdict"]
        except (ValueError, KeyError, TypeError):
            return Verdict(None, "structured output is not a JSON object with a verdict")
        return Verdict(value, "ok") if value in ("A", "B", "C") else Verdict(None, f"verdict {value!r} unknown")
    matches = VERDICT.findall(output or "")
    return Verdict(matches[-1], "ok") if matches else Verdict(None, "no [[A]], [[B]] or [[C]] in the output")


def request(
    rid: str, question: str, reference: str, answer_a: str, answer_b: str, meta: dict | None = None
) -> JudgeRequest:
    """One pairwise judgment, ready for run_judgments: its value is "A", "B", "C" (None if unscored)."""
    return JudgeRequest(
        id=rid,
        prompt_name=NAME,
        messages=render(question, reference, answer_a, answer_b),
        schema=SCHEMA,
        parse=_winner_and_reason,
        meta=meta or {},
    )


def _winner_and_reason(output: str, structured: bool, choice: dict | None = None) -> tuple[str | None, str]:
    verdict = parse(output, structured)
    return verdict.winner, verdict.reason


def first_order(sample_id: str, seed: int) -> tuple[str, str]:
    """Which contestant sits in position A in the first of the two calls, seeded per sample."""
    return ("tuned", "base") if random.Random(f"{sample_id}:{seed}").random() < 0.5 else ("base", "tuned")


def combine(first: Verdict, second: Verdict, first_a: str) -> str | None:
    """'tuned', 'base' or 'tie' from the two orders (A/B swapped in the second); None if unscored."""
    if first.winner is None or second.winner is None:
        return None
    first_b = "base" if first_a == "tuned" else "tuned"
    pick1 = {"A": first_a, "B": first_b, "C": "tie"}[first.winner]
    pick2 = {"A": first_b, "B": first_a, "C": "tie"}[second.winner]
    return pick1 if pick1 == pick2 else "tie"  # a verdict that flips with the order is a tie
