"""Candidate rows: templates are dealt in seeded shuffles, each once before any comes round again."""

from __future__ import annotations

from collections import Counter

from synth import load_domain
from synth._generate import candidates
from synth._split import hold_out
from synth._variation import VariationRates, load_language
from tests.conftest import BANKING


def test_every_template_is_used_once_before_any_is_used_again():
    domain = load_domain(BANKING)
    held = hold_out(domain, 0, 0.25)
    lang = load_language(domain.abbreviations)
    for intent in domain.intents[:20]:
        for side in ("train", "test"):
            templates = held.queries[intent.name][side]
            n = len(templates)
            rows = candidates(domain, intent, held, side, 2 * n + 1, 0, lang, VariationRates())
            used = [r["query_template"] for r in rows]
            assert len(set(used[:n])) == n  # the first n rows: n different templates
            assert set(Counter(used[: 2 * n]).values()) == {2}  # two rounds: each exactly twice
            assert {u.split("#q")[1] for u in used} == {str(q) for q in templates}
    again = candidates(domain, intent, held, "train", 5, 0, lang, VariationRates())
    assert again == candidates(domain, intent, held, "train", 5, 0, lang, VariationRates())  # seeded
