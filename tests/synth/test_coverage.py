"""Coverage against real queries, with the shipped all-MiniLM-L6-v2 (a real model, loads in ~1 s)."""

from __future__ import annotations

import pandas as pd
import pytest

import synth
from synth import DomainError, coverage_table, read_real_queries
from tests.conftest import BANKING77


@pytest.fixture(scope="module")
def embed_texts():
    model = synth.load_embedder()
    return lambda texts: synth.embed(model, texts)


def test_embeddings_are_real_and_unit_length(embed_texts):
    vecs = embed_texts(["I lost my debit card", "My card has gone missing", "What is the capital of France?"])
    assert vecs.shape == (3, 384)
    sims = vecs @ vecs.T
    assert abs(sims[0, 0] - 1) < 1e-4
    assert sims[0, 1] > sims[0, 2] + 0.2


def test_covered_category_scores_above_an_uncovered_one(embed_texts):
    real = pd.DataFrame(
        {
            "text": [
                "I can't find my card, I think it was stolen",
                "my card is lost",
                "Somebody took my card",
                "How do I top up with Apple Pay?",
                "Why did my crypto top-up fail?",
                "top up via google pay",
            ],
            "category": ["lost_card"] * 3 + ["top_up"] * 3,
        }
    )
    synthetic = [
        {"query": q, "intent": i}
        for q, i in [
            ("I lost my debit card yesterday", "lost_or_stolen_card"),
            ("My credit card was stolen on the bus", "lost_or_stolen_card"),
            ("What are your branch opening hours?", "branch_hours"),
        ]
    ]
    table = coverage_table(real, synthetic, embed_texts, threshold=0.5).set_index("category")
    assert table.loc["lost_card", "median"] > table.loc["top_up", "median"]
    assert table.loc["lost_card", "nearest_intent"] == "lost_or_stolen_card"
    assert bool(table.loc["top_up", "poorly_covered"]) and not bool(table.loc["lost_card", "poorly_covered"])


def test_read_real_queries_samples_per_category_and_checks_columns(tmp_path):
    sample = read_real_queries(BANKING77, sample_per_category=3, seed=0)
    counts = sample["category"].value_counts()
    assert counts.max() == 3 and len(counts) == 77
    bad = tmp_path / "bad.csv"
    bad.write_text("question,label\nhello,x\n")
    with pytest.raises(DomainError, match="missing column"):
        read_real_queries(bad)
    with pytest.raises(DomainError, match="file not found"):
        read_real_queries(tmp_path / "nope.csv")


def test_the_data_card_lists_coverage_per_real_category_and_the_poor_ones(small_domain, tmp_path):
    import json

    domain = synth.load_domain(small_domain)
    result = synth.synthesize(domain, synth.SynthSettings.sized(20, seed=0))
    real = pd.DataFrame(
        {
            "text": ["what time do you open", "when can i phone you", "how do I cook rice", "best pasta recipe"],
            "category": ["hours", "hours", "cooking", "cooking"],
        }
    )
    coverage = synth.measure_coverage(real, result.splits["train"], threshold=0.5)
    assert coverage.attrs["n_real"] == 4 and coverage.attrs["n_synthetic"] == len(result.splits["train"])
    synth.save(result, tmp_path / "with", coverage, "real.csv")
    card = (tmp_path / "with" / "data_card.md").read_text()
    section = card.split("## Coverage of real customer language")[1].split("\n## ")[0]
    assert "Still poorly covered (write intents or query templates for these next): `cooking`." in section
    assert "| hours " in section and "| cooking " in section and "`real.csv`" in section
    assert f"over 4 real queries, nearest of {len(result.splits['train'])} synthetic train queries" in section
    assert list(pd.read_csv(tmp_path / "with" / "coverage.csv")["category"]) == ["cooking", "hours"]
    report = json.loads((tmp_path / "with" / "synth_report.json").read_text())["coverage"]
    assert report["real_queries"] == "real.csv" and report["covered_categories"] == 1

    synth.save(result, tmp_path / "without")
    card = (tmp_path / "without" / "data_card.md").read_text()
    assert "## Coverage of real customer language\nNot measured" in card
    assert not (tmp_path / "without" / "coverage.csv").exists()
