"""The retrieval index: built from a domain's passages with the shipped MiniLM, Chroma's top k agree
with exact search, a question retrieves the passage that states its fact, a contestant's prompt
holds the passages, recall@k counts items whose facts were all retrieved, and the stage reuses an
index until the policy sheet changes."""

from __future__ import annotations

import json

import numpy as np
import pytest

import retrieval
import synth
from bench._index_stage import run_index_stage
from retrieval._exact import exact_top_k
from tests.conftest import BANKING


@pytest.fixture(scope="module")
def banking():
    return synth.load_domain(BANKING)


@pytest.fixture(scope="module")
def banking_index(tmp_path_factory, banking):
    folder = tmp_path_factory.mktemp("index")
    built = retrieval.build_index(banking, folder)
    return folder, built


def test_chroma_returns_the_exact_top_k_and_questions_find_their_facts_section(banking_index, banking):
    folder, built = banking_index
    assert built["passages"] == len(banking.policy.sections) and built["engine"].startswith("chromadb")
    questions = ["I lost my debit card, what do I do?", "How long does an international wire take?"]
    found = retrieval.Retriever(folder).top_k(questions, 3)
    assert [len(hits) for hits in found] == [3, 3]
    assert found[0][0]["section"] == "cards" and found[1][0]["section"] == "transfers"
    embedder = synth.load_embedder()
    passages = [json.loads(line) for line in (folder / retrieval.PASSAGES_FILE).open()]
    exact = exact_top_k(synth.embed(embedder, [p["text"] for p in passages]), synth.embed(embedder, questions), 3)
    assert [[passages[j]["id"] for j, _ in hits] for hits in exact] == [[h["id"] for h in hits] for hits in found]
    assert np.allclose(
        [[s for _, s in hits] for hits in exact], [[h["score"] for h in hits] for hits in found], atol=1e-4
    )


def test_a_contestant_prompt_holds_the_passages_and_keeps_an_items_own_evidence(banking):
    row = {"id": "t1", "query": "When is the branch open?", "evidence": "Branches open at nine.", "response": "r",
           "messages": [{"role": "system", "content": "sys"}, {"role": "user", "content": "When is the branch open?"},
                        {"role": "assistant", "content": "r"}]}  # fmt: skip
    hits = [{"id": "policy:branches", "text": "Branch hours are nine to five."}, {"id": "policy:atm", "text": "ATMs."}]
    asked = retrieval.rag_row(banking, row, hits)
    user = asked["messages"][1]["content"]
    assert "Branches open at nine.\n\nBranch hours are nine to five.\n\nATMs." in user and user.endswith(row["query"])
    assert asked["retrieved"] == ["evidence", "policy:branches", "policy:atm"] and asked["id"] == "t1"
    assert row["messages"][1]["content"] == "When is the branch open?"  # the item itself is unchanged
    assert retrieval.rag_row(banking, {**row, "evidence": ""}, hits)["retrieved"] == ["policy:branches", "policy:atm"]


def test_recall_at_k_counts_items_whose_every_fact_was_retrieved():
    facts = [{"key": "cards.fee", "value": "a $5 fee"}, {"key": "atm.limit", "value": "$500"}]
    rows = [{"facts": facts}, {"facts": facts[:1]}, {"facts": []}]
    hits = [[{"section": "cards", "text": "Cards carry A $5\n fee."}, {"section": "x", "text": "up to $500 a day"}],
            [{"section": "cards", "text": "the cards section, without the fee"}, {"section": "atm", "text": "b"}],
            []]  # fmt: skip
    at2 = retrieval.recall_at_k(rows, hits, 2)
    # the second item's passage is the fee's own section, but its text does not state the fee
    assert at2["recall_at_k"] == 0.5 and at2["items"] == 2 and at2["items_without_facts"] == 1
    assert retrieval.recall_at_k(rows, hits, 1)["recall_at_k"] == 0.0


def test_documents_are_passages_and_a_domain_without_passages_is_a_one_line_error(small_domain):
    (small_domain / "documents.yaml").write_text(
        "documents:\n  - id: faq\n    title: FAQ\n    text: Parking is free for customers.\n"
    )
    found = retrieval.passages(synth.load_domain(small_domain))
    assert found[-1] == {
        "id": "document:faq",
        "title": "FAQ",
        "text": "Parking is free for customers.",
        "section": None,
    }
    (small_domain / "documents.yaml").unlink()
    policy = small_domain / "policy.yaml"
    old = "passage: >\n      Customers can call {phone} from {hours}."
    assert old in policy.read_text()
    policy.write_text(policy.read_text().replace(old, 'passage: " "'))  # a blank passage: nothing to retrieve
    with pytest.raises(synth.DomainError, match="has no passages to retrieve"):
        retrieval.passages(synth.load_domain(small_domain))


def test_the_index_stage_is_reused_until_the_policy_sheet_changes(tmp_path, monkeypatch, small_domain):
    monkeypatch.setenv("DOMAINBENCH_HOME", str(tmp_path / "home"))
    first = run_index_stage(synth.load_domain(small_domain))
    again = run_index_stage(synth.load_domain(small_domain))
    assert not first.reused and again.reused and again.path == first.path and again.result["passages"] == 1
    intents = small_domain / "intents" / "general.yaml"
    intents.write_text(intents.read_text() + "\n")  # an intent file edit leaves the passages as they were
    assert run_index_stage(synth.load_domain(small_domain)).reused
    policy = small_domain / "policy.yaml"
    policy.write_text(policy.read_text().replace("Customers can call", "Customers may call"))
    changed = run_index_stage(synth.load_domain(small_domain))
    assert not changed.reused and changed.key != first.key
    assert retrieval.Retriever(changed.path).top_k(["phone number?"], 5)[0][0]["text"].startswith("Customers may call")


def test_passages_are_dropped_farthest_first_until_the_prompt_fits(banking):
    row = {"id": "t1", "query": "What does a wire cost?", "evidence": "", "response": "r",
           "messages": [{"role": "system", "content": "sys"}, {"role": "user", "content": "q"}]}  # fmt: skip
    hits = [{"id": f"policy:p{i}", "text": f"passage {i} " + "word " * 40} for i in range(3)]
    asked = retrieval.rag_row(banking, row, hits, fits=lambda r: len(r["messages"][1]["content"].split()) < 120)
    assert asked["retrieved"] == ["policy:p0", "policy:p1"] and asked["passages_dropped"] == 1
    assert asked["messages"][1]["content"].endswith("What does a wire cost?")  # the question is never cut
    assert retrieval.rag_row(banking, row, hits)["passages_dropped"] == 0


def test_only_an_encoder_decoder_prompt_is_checked_against_sequence_len(tiny_t5, tiny_llama, banking, tmp_path):
    import answers
    import train
    from bench._pipeline import _prompt_fits

    recipe = tmp_path / "r.yaml"
    recipe.write_text(f"base_model: {tiny_t5}\nsequence_len: 64\n")
    spec = train.load_recipe(recipe)
    fits = _prompt_fits(answers.LocalContestant(model=str(tiny_t5), prompt_format="instruction"), spec)
    short = {"messages": [{"role": "system", "content": ""}, {"role": "user", "content": "hi"}]}
    long = {"messages": [{"role": "system", "content": ""}, {"role": "user", "content": "word " * 200}]}
    assert fits(short) and not fits(long)
    assert _prompt_fits(answers.LocalContestant(model=str(tiny_llama), prompt_format="chat"), spec) is None
