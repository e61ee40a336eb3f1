"""No query template copies a real customer query (real queries are a yardstick, never a source)."""

from __future__ import annotations

import math

from synth import load_domain, near_copies, read_real_queries
from synth._copying import renderings
from tests.conftest import BANKING, BANKING77


def test_no_banking_template_is_a_near_copy_of_a_banking77_query():
    real = read_real_queries(BANKING77)["text"].tolist()
    copies = near_copies(load_domain(BANKING), real)
    shown = "\n".join(f"{c.rouge_l} {c.template} ({c.source}): {c.rendered!r} ~ {c.real!r}" for c in copies[:20])
    assert not copies, f"{len(copies)} renderings have ROUGE-L > 0.8 against a real query:\n{shown}"


def test_every_slot_value_combination_is_rendered(small_domain):
    domain = load_domain(small_domain)
    expected = sum(
        math.prod(len(intent.slots[name]) for name in intent.slots if "{" + name + "}" in template)
        for intent in domain.intents
        for template in intent.queries
    )
    assert len(renderings(domain)) == expected > sum(len(i.queries) for i in domain.intents)


def test_a_copy_is_found_only_with_the_slot_value_that_makes_it(small_domain):
    domain = load_domain(small_domain)
    intent = next(i for i in domain.intents if i.name == "contact_hours")
    q = next(k for k, t in enumerate(intent.queries) if "{when}" in t)
    value = intent.slots["when"][-1]
    planted = intent.queries[q].replace("{when}", value).lower().rstrip(".")
    real = [
        planted,
        "Is there a number I can ring to reach somebody at your place?",  # same meaning, other words
        "What is the capital of France?",
    ]
    copies = near_copies(domain, real)
    assert [(c.template, c.real) for c in copies] == [(f"contact_hours#q{q}", planted)]
    assert copies[0].rouge_l == 1.0 and value in copies[0].rendered
    assert copies[0].source.startswith(str(small_domain)) and ".yaml:" in copies[0].source
