"""Single-answer grading, 1 to 10, with the reference answer shown (MT-Bench single-v1-ref):
the template, the structured-output schema, and the parser that reads the LAST verdict."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from ._client import JudgeRequest
from ._text import neutralize

NAME = "single-ref-v1"
SYSTEM = "You are a helpful assistant."
TEMPLATE = (
    "[Instruction]\nPlease act as an impartial judge and evaluate the quality of the response provided by an AI "
    "assistant to the user question displayed below. Your evaluation should consider correctness and helpfulness. "
    "You will be given a reference answer and the assistant's answer. Begin your evaluation by comparing the "
    "assistant's answer with the reference answer. Identify and correct any mistakes. Be as objective as possible. "
    "After providing your explanation, you must rate the response on a scale of 1 to 10 by strictly following this "
    'format: "[[rating]]", for example: "Rating: [[5]]".\n\n'
    "[Question]\n{question}\n\n"
    "[The Start of Reference Answer]\n{reference}\n[The End of Reference Answer]\n\n"
    "[The Start of Assistant's Answer]\n{answer}\n[The End of Assistant's Answer]"
)
SCHEMA = {
    "type": "object",
    "properties": {
        "explanation": {"type": "string", "maxLength": 400},
        "rating": {"type": "integer", "minimum": 1, "maximum": 10},
    },
    "required": ["explanation", "rating"],
}
VERDICT = re.compile(r"\[\[\s*(-?\d+(?:\.\d+)?)\s*\]\]")


@dataclass(frozen=True)
class Rating:
    score: float | None  # None: unscored
    reason: str  # why unscored, or "ok"


def render(question: str, reference: str, answer: str) -> list[dict]:
    body = TEMPLATE.format(question=neutralize(question), reference=neutralize(reference), answer=neutralize(answer))
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": body}]


def _in_range(value: float) -> Rating:
    if not 1 <= value <= 10:
        return Rating(None, f"rating {value:g} out of range 1-10")
    return Rating(value, "ok")


def parse(output: str, structured: bool) -> Rating:
    """Structured: a JSON object with an integer `rating`. Free text: the last [[rating]]."""
    if structured:
        try:
            value = json.loads(output)["rating"]
        except (ValueError, KeyError, TypeError):
            return Rating(None, "structured output is not a JSON object with a rating")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return Rating(None, f"rating {value!r} is not a number")
        return _in_range(float(value))
    matches = VERDICT.findall(output or "")
    if not matches:
        return Rating(None, "no [[rating]] in the judge's output")
    return _in_range(float(matches[-1]))


def request(rid: str, question: str, reference: str, answer: str, meta: dict | None = None) -> JudgeRequest:
    """One single-grading judgment, ready for run_judgments: its value is the rating (None if unscored)."""
    return JudgeRequest(
        id=rid,
        prompt_name=NAME,
        messages=render(question, reference, answer),
        schema=SCHEMA,
        parse=_rating_and_reason,
        meta=meta or {},
    )


def _rating_and_reason(output: str, structured: bool, choice: dict | None = None) -> tuple[float | None, str]:
    rating = parse(output, structured)
    return rating.score, rating.reason
