"""Candidate examples: a query template filled with slot values and varied, paired with a
response template filled from the same slots and the policy sheet. Train and validation rows take
an intent's training replies (`responses`); test rows take its reference wording
(`reference_responses`), never trained on, plus a calibration answer in a third wording
(`calibration_responses`) for the judge's calibration. Every row names the policy facts its
response states (`facts`), for fact-level scoring."""

from __future__ import annotations

import json
import random

from ._domain import Domain, Intent
from ._render import references, render
from ._split import HeldOut
from ._variation import Language, VariationRates, vary


def quotas(total: int, names: list[str]) -> dict[str, int]:
    """Split `total` as evenly as possible over `names`, remainder to the first ones."""
    base, extra = divmod(total, len(names))
    return {name: base + (1 if i < extra else 0) for i, name in enumerate(names)}


def candidates(
    domain: Domain,
    intent: Intent,
    held: HeldOut,
    side: str,
    count: int,
    seed: int,
    lang: Language,
    rates: VariationRates,
) -> list[dict]:
    """`count` candidate rows for one intent from the `side` ('train' or 'test') templates and values."""
    rng = random.Random(f"{seed}:gen:{side}:{intent.name}")
    template_ids = held.queries[intent.name][side]
    slot_values = held.values[intent.name][side]
    facts = domain.policy.facts
    wordings = intent.responses if side == "train" else intent.reference_responses
    tag = "r" if side == "train" else "ref"
    stated = [{"key": k, "kind": domain.policy.kind(k), "value": facts[k]} for k in intent.facts]
    rows = []
    # Templates are dealt like cards: every one of the side's templates once, in a seeded shuffle,
    # before any comes round again. Splits take their rows from the front of each intent's kept
    # candidates (validation first, then train), so an intent's rows span as many templates as they
    # can; drawn with replacement, 9 rows from 11 templates held 6.3 different ones on average.
    deck: list = []
    for _ in range(count):
        if not deck:
            deck = rng.sample(template_ids, len(template_ids))
        q = deck.pop()
        template = intent.queries[q]
        slots = {name: rng.choice(slot_values[name]) for name in dict.fromkeys(references(template)[0])}
        r = rng.randrange(len(wordings))
        c = rng.randrange(len(intent.calibration_responses))
        rendered = render(template, slots, facts)
        query, tags = vary(rendered[:1].upper() + rendered[1:], rng, lang, rates)
        rows.append(
            {
                "domain": domain.name,
                "task": intent.task,
                "category": intent.category,
                "intent": intent.name,
                "query": query,
                "response": render(wordings[r], slots, facts).strip(),
                "facts": stated,
                "calibration_response": (
                    render(intent.calibration_responses[c], slots, facts).strip() if side == "test" else ""
                ),
                "evidence": domain.evidence_text(intent),
                "variations": tags,
                "query_template": f"{intent.name}#q{q}",
                "response_template": f"{intent.name}#{tag}{r}",
                "slot_values": json.dumps(slots, sort_keys=True),
            }
        )
    return rows
