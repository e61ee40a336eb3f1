"""Language variation: seeded, tagged, and each tag really changes the text as it says."""

from __future__ import annotations

import random

from synth._variation import VariationRates, form_of, load_language, vary

LANG = load_language({"account": "acct"})
ALWAYS_OFF = VariationRates(polite=0, colloquial=0, abbreviations=0, typos=0, keyword_only=0)


def test_form_tags():
    assert form_of("How do I open an account?", LANG) == "question"
    assert form_of("Cancel my transfer.", LANG) == "command"
    assert form_of("I lost my card.", LANG) == "statement"


def test_no_variation_keeps_the_query():
    text, tags = vary("I lost my card.", random.Random(0), LANG, ALWAYS_OFF)
    assert text == "I lost my card." and tags == ["statement"]


def test_each_variation_changes_the_text():
    query = "Could you please tell me the balance of my account?"
    for rates, tag in [
        (VariationRates(polite=1, colloquial=0, abbreviations=0, typos=0, keyword_only=0), "polite"),
        (VariationRates(polite=0, colloquial=1, abbreviations=0, typos=0, keyword_only=0), "colloquial"),
        (VariationRates(polite=0, colloquial=0, abbreviations=1, typos=0, keyword_only=0), "abbreviations"),
        (VariationRates(polite=0, colloquial=0, abbreviations=0, typos=1, keyword_only=0), "typos"),
        (VariationRates(polite=0, colloquial=0, abbreviations=0, typos=0, keyword_only=1), "keyword-only"),
    ]:
        for seed in range(5):
            text, tags = vary(query, random.Random(seed), LANG, rates)
            assert tag in tags and text != query, (tag, seed, text)


def test_keyword_only_drops_stopwords():
    text, tags = vary("I lost my debit card yesterday", random.Random(0), LANG, VariationRates(0, 0, 0, 0, 1))
    assert tags == ["keyword-only"] and text == "lost debit card yesterday"


def test_domain_abbreviations_are_used():
    text, _ = vary("Close my account today", random.Random(1), LANG, VariationRates(0, 0, 1, 0, 0))
    assert "acct" in text


def test_same_seed_same_output():
    rates = VariationRates(0.5, 0.3, 0.5, 0.5, 0.1)
    runs = [
        [vary("How do I send money to my sister?", random.Random(f"x{i}"), LANG, rates) for i in range(50)]
        for _ in range(2)
    ]
    assert runs[0] == runs[1]
    assert len({t for t, _ in runs[0]}) > 10
