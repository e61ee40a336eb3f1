"""A retrieval contestant's prompt: the domain's own grounded prompt (domain.yaml `grounded_prompt`,
the one its grounded questions are asked and trained with) with the top-k retrieved passages as the
excerpt, joined by blank lines, nearest first. An item that already shows a policy passage as evidence
keeps it first when retrieval did not find it (so such an item may see k + 1 passages): retrieval adds
to what the question had, never removes."""

from __future__ import annotations

from collections.abc import Callable

from synth import Domain

NAME = "rag-v1"
DESCRIPTION = (
    "the domain's grounded_prompt with the top-k retrieved passages (nearest first, blank-line separated) as "
    "the excerpt and the customer's query as the question; an item's own evidence passage stays first"
)


def passages_for(row: dict, hits: list[dict]) -> list[dict]:
    texts = [h["text"] for h in hits]
    own = (row.get("evidence") or "").strip()
    return ([{"id": "evidence", "text": own}] if own and own not in texts else []) + hits


def rag_row(domain: Domain, row: dict, hits: list[dict], fits: Callable[[dict], bool] | None = None) -> dict:
    """A copy of `row` asked with the passages in `hits` (its id, reference and facts unchanged).
    `fits(row)`: whether a prompt fits the model's input (an encoder's sequence_len, which would cut
    the question off the end); the farthest retrieved passages are dropped until it does, and
    `passages_dropped` counts them."""
    kept = list(hits)
    while True:
        asked = _asked(domain, row, kept)
        if fits is None or not kept or fits(asked):
            return {**asked, "passages_dropped": len(hits) - len(kept)}
        kept.pop()


def _asked(domain: Domain, row: dict, hits: list[dict]) -> dict:
    shown = passages_for(row, hits)
    excerpt = "\n\n".join(p["text"] for p in shown)
    user = domain.grounded_prompt.replace("{evidence}", excerpt).replace("{question}", row["query"])
    messages = [dict(m) for m in row["messages"]]
    next(m for m in messages if m["role"] == "user")["content"] = user
    return {**row, "messages": messages, "input": excerpt, "retrieved": [p["id"] for p in shown]}
