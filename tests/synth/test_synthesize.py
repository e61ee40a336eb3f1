"""The synth stage's computation: sizes, determinism, the held-out split and decontamination."""

from __future__ import annotations

import json

import pytest

from synth import SynthSettings, load_domain, synthesize
from synth._decontaminate import words
from tests.conftest import BANKING


@pytest.fixture(scope="module")
def banking():
    return load_domain(BANKING)


@pytest.fixture(scope="module")
def default_result(banking):
    """The dataset `bench run banking` makes: the sizes in its domain.yaml."""
    return synthesize(banking, SynthSettings.for_domain(banking))


def test_default_sizes_and_every_intent_present(default_result, banking):
    sizes = {k: len(v) for k, v in default_result.splits.items()}
    assert sizes == {"train": 2000, "validation": 100, "test": 200} == banking.sizes
    names = {i.name for i in banking.intents}
    for split, rows in default_result.splits.items():
        present = {r["intent"] for r in rows}
        # quotas are even over intents: a split smaller than the intent count has one row of as many as fit
        assert present == names if len(rows) >= len(names) else len(present) == len(rows), split
    assert default_result.shortfalls == {}


def test_rows_carry_intent_category_and_variation_tags(default_result):
    for row in default_result.splits["train"]:
        assert row["intent"] and row["category"] and row["variations"]
    tags = {t for r in default_result.splits["train"] for t in r["variations"]}
    assert tags >= {"polite", "colloquial", "typos", "abbreviations", "question", "command", "keyword-only"}


def test_test_templates_and_slot_values_never_appear_in_train(default_result):
    train = default_result.splits["train"] + default_result.splits["validation"]
    test = default_result.splits["test"]
    assert not {r["query_template"] for r in train} & {r["query_template"] for r in test}
    train_values = {(k, v) for r in train for k, v in json.loads(r["slot_values"]).items()}
    test_values = {(k, v) for r in test for k, v in json.loads(r["slot_values"]).items()}
    assert test_values and not train_values & test_values


def test_no_test_query_is_contaminated(default_result):
    dec = default_result.decontamination
    assert dec["checked"] == 200 and dec["over_threshold"] == 0 and dec["items"] == []
    train_queries = {words(r["query"]) for r in default_result.splits["train"]}
    assert not any(words(r["query"]) in train_queries for r in default_result.splits["test"])


def test_same_seed_same_rows_other_seed_other_rows(banking):
    a = synthesize(banking, SynthSettings.sized(200, seed=3))
    b = synthesize(banking, SynthSettings.sized(200, seed=3))
    c = synthesize(banking, SynthSettings.sized(200, seed=4))
    assert a.splits == b.splits
    assert a.splits["train"] != c.splits["train"]


def test_size_is_configurable(banking):
    r = synthesize(banking, SynthSettings.sized(86, seed=0))
    assert {k: len(v) for k, v in r.splits.items()} == {"train": 86, "validation": 8, "test": 17}


def test_grounded_rows_carry_the_policy_passage_as_evidence(default_result, banking):
    grounded = [r for r in default_result.splits["test"] if r["task"] == "grounded_qa"]
    assert grounded
    passages = {s.passage for s in banking.policy.sections.values()}
    for r in grounded:
        assert r["evidence"] in passages


def test_decontamination_drops_a_planted_leak(banking):
    """A test row copied from train must be caught by the overlap check."""
    from synth._decontaminate import decontaminate, overlap_report

    r = synthesize(banking, SynthSettings.sized(200, seed=0))
    long_train = next(x for x in r.splits["train"] if len(words(x["query"])) >= 8)
    leaked = dict(r.splits["test"][0], query=long_train["query"])
    report = overlap_report(r.splits["train"], [leaked, r.splits["test"][1]], n=8)
    assert report["over_threshold"] == 1 and report["items"][0]["overlap"] == 1.0
    kept, dropped = decontaminate(r.splits["train"], [leaked, r.splits["test"][1]], 8, 0.0, 0.8)
    assert dropped == {"query n-gram overlap": 1} and kept == [r.splits["test"][1]]


def test_decontamination_catches_a_short_query_by_similarity(banking):
    """A short query has no 8-grams and is not word for word a train query: a plural added to a
    train query is still caught as a near duplicate."""
    from synth._decontaminate import decontaminate, near_duplicate_report

    r = synthesize(banking, SynthSettings.sized(200, seed=0))
    short = next(x for x in r.splits["train"] if 5 <= len(words(x["query"])) < 8 and x["query"][-2].isalpha())
    leaked = dict(r.splits["test"][0], query=short["query"][:-1] + "s" + short["query"][-1])
    report = near_duplicate_report(r.splits["train"], [leaked], 0.8)
    assert report["over_threshold"] == 1 and report["max_similarity"] > 0.9 and report["short_queries"] == 1
    kept, dropped = decontaminate(r.splits["train"], [leaked, r.splits["test"][1]], 8, 0.0, 0.8)
    assert dropped == {"near-duplicate query": 1} and kept == [r.splits["test"][1]]


def test_test_references_use_wordings_never_trained_on(default_result, banking):
    train = default_result.splits["train"] + default_result.splits["validation"]
    test = default_result.splits["test"]
    assert all("#r" in r["response_template"] for r in train)
    assert all("#ref" in r["response_template"] for r in test)
    train_responses = {r["response"] for r in train}
    assert not any(r["response"] in train_responses for r in test)
    for r in test:
        assert r["calibration_response"] and r["calibration_response"] != r["response"]
    resp = default_result.decontamination["responses"]
    assert resp["templates_shared"] == [] and resp["checked"] == 200 and resp["identical_to_a_train_response"] == 0
    assert resp["mean_overlap"] < 0.05  # facts masked, a reference shares almost no 5-gram with train replies


def test_rows_name_the_policy_facts_their_response_states(default_result, banking):
    for r in default_result.splits["test"] + default_result.splits["train"][:50]:
        intent = next(i for i in banking.intents if i.name == r["intent"])
        assert [f["key"] for f in r["facts"]] == list(intent.facts)
        for f in r["facts"]:
            assert f["value"] == banking.policy.facts[f["key"]] and f["value"] in r["response"]
            assert f["kind"] == banking.policy.kind(f["key"])


def test_response_overlap_is_measured_with_facts_masked():
    from synth._decontaminate import response_report

    fact = [{"key": "cards.express_fee", "kind": "amount", "value": "$15 per card"}]

    def row(text: str, template: str) -> dict:
        return {"response": text, "facts": fact, "response_template": template}

    train = [row("Express delivery costs $15 per card and usually takes two business days to arrive.", "x#r0")]
    same_words = [row(train[0]["response"], "x#ref0")]
    only_fact = [row("You pay $15 per card for the quick option.", "x#ref0")]
    assert response_report(train, same_words, 5)["max_overlap"] == 1.0
    assert response_report(train, same_words, 5)["identical_to_a_train_response"] == 1
    assert response_report(train, only_fact, 5)["with_any_overlap"] == 0  # the shared fact value is masked


def test_a_value_shared_by_two_slot_names_is_never_on_both_sides(banking):
    # "credit card" is a value of {card} and of {source_card}; each slot's own split could disagree on it
    from synth._split import hold_out

    for seed in range(8):
        held = hold_out(banking, seed, 0.25)
        side = {
            s: {v.lower() for i in held.values.values() for vals in i[s].values() for v in vals}
            for s in ("train", "test")
        }
        assert side["test"] and not side["train"] & side["test"], seed
        assert all(vals for i in held.values.values() for s in ("train", "test") for vals in i[s].values())
