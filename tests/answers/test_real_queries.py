"""Real-query items: a seeded sample of a text,category CSV, asked as the domain's own questions,
with the intents that serve each category; bad files are one-line errors naming file and line."""

from __future__ import annotations

import json

import pytest

from answers import RealQueriesError, real_query_items
from answers._real_queries import read_real_queries
from synth import load_domain
from tests.conftest import BANKING, BANKING77


@pytest.fixture(scope="module")
def banking():
    return load_domain(BANKING)


def test_a_seeded_sample_in_file_order_asked_as_the_domain_asks(banking):
    items = real_query_items(BANKING77, banking, 200, seed=0)
    assert len(items) == 200 and items == real_query_items(BANKING77, banking, 200, seed=0)
    other = real_query_items(BANKING77, banking, 200, seed=1)
    assert {i["id"] for i in items} != {i["id"] for i in other}
    lines = [int(i["id"].split(":")[1]) for i in items]
    assert lines == sorted(lines) and len(set(lines)) == 200
    rows = {r["line"]: r for r in read_real_queries(BANKING77)}
    for item, line in zip(items, lines, strict=True):
        assert item["query"] == rows[line]["text"] and item["category"] == rows[line]["category"]
        assert item["messages"] == [
            {"role": "system", "content": banking.system_prompt},
            {"role": "user", "content": item["query"]},
        ]
        assert item["serving_intents"] and "response" not in item  # every Banking77 category is mapped; no reference
    assert len(real_query_items(BANKING77, banking, None)) == 10_003


def test_the_banking_mapping_covers_every_banking77_category_with_real_intents(banking):
    categories = json.loads((BANKING77.parent / "categories.json").read_text())
    assert set(banking.real_query_intents) == set(categories)
    names = {i.name for i in banking.intents}
    assert all(set(v) <= names for v in banking.real_query_intents.values())


def test_an_unmapped_category_is_answered_without_serving_intents(tmp_path, banking):
    csv = tmp_path / "q.csv"
    csv.write_text('text,category\n"my card got eaten, help",card_swallowed\nwhat is a mortgage,mortgages\n')
    first, second = real_query_items(csv, banking, None)
    assert first["serving_intents"] == ["card_swallowed"] and first["id"] == "real:2"
    assert second["serving_intents"] == [] and second["query"] == "what is a mortgage"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("query,label\nhello,x\n", "q.csv:1: needs the columns text,category (missing: text, category)"),
        ("text,category\nhello,card_arrival\n,card_arrival\n", "q.csv:3: empty text"),
        ("text,category\nhello,\n", "q.csv:2: empty category"),
        ("text,category\n", "q.csv: has no rows"),
    ],
)
def test_a_bad_file_is_one_line_naming_file_and_line(tmp_path, content, expected):
    csv = tmp_path / "q.csv"
    csv.write_text(content)
    with pytest.raises(RealQueriesError) as err:
        read_real_queries(csv)
    assert str(err.value) == f"{tmp_path}/{expected}"
    with pytest.raises(RealQueriesError, match="file not found"):
        read_real_queries(tmp_path / "missing.csv")


def test_a_byte_order_mark_is_read_and_a_folder_is_a_one_line_error(tmp_path):
    csv = tmp_path / "bom.csv"
    csv.write_bytes("\ufefftext,category\nhello,card_arrival\n".encode())
    assert read_real_queries(csv) == [{"line": 2, "text": "hello", "category": "card_arrival"}]
    with pytest.raises(RealQueriesError, match=rf"^{tmp_path}: cannot be read"):
        read_real_queries(tmp_path)
    bad = tmp_path / "latin.csv"
    bad.write_bytes(b"text,category\ncaf\xe9,x\n")
    with pytest.raises(RealQueriesError, match="not a readable UTF-8 CSV"):
        read_real_queries(bad)
