"""The domain verifier's training data: from the train split only (no test id, query template or
reply wording), never a held-out bad kind, swap- and length-balanced per rubric item (and
copy-balanced with `copy_balance`)."""

from __future__ import annotations

from collections import Counter

import pytest

import synth
from judge import _rubric as rubric
from judge._probes import HELD_OUT
from tests.conftest import BANKING
from verifier import TRAINED_KINDS, VerifierData, verifier_rows
from verifier._dataset import TWIN


@pytest.fixture(scope="module")
def splits():
    domain = synth.load_domain(BANKING)
    result = synth.synthesize(domain, synth.SynthSettings.sized(300, seed=0))
    return domain, result.splits


@pytest.fixture(scope="module")
def examples(splits):
    domain, data = splits
    return verifier_rows(domain, data["train"], VerifierData(examples=400))


def test_trained_without_held_out_kinds_or_test_items(splits, examples):
    _, data = splits
    test = data["test"]
    rows = examples["train"] + examples["validation"]
    assert not set(HELD_OUT) & set(TRAINED_KINDS)
    assert {e["kind"] for e in rows} <= {*TRAINED_KINDS, TWIN} and not {e["kind"] for e in rows} & set(HELD_OUT)
    train_ids = {r["id"] for r in data["train"]}
    assert {e["source_id"] for e in rows} <= train_ids
    assert not {e["source_id"] for e in rows} & {r["id"] for r in test}
    assert not {e["query_template"] for e in rows} & {r["query_template"] for r in test}
    assert not {e["response_template"] for e in rows} & {r["response_template"] for r in test}
    # no test reference or calibration answer appears in any prompt
    prompts = "\n".join(e["input"] for e in rows)
    assert not any(r["response"] in prompts or r["calibration_response"] in prompts for r in test)


def test_validation_rows_come_from_other_train_rows(examples):
    assert not {e["source_id"] for e in examples["train"]} & {e["source_id"] for e in examples["validation"]}


def test_every_item_is_swap_and_length_balanced(examples):
    rows = examples["train"]
    labels = Counter((e["item"], e["with_reference"], e["label"]) for e in rows)
    for item in rubric.ITEMS:
        for ref in (True, False):
            if not ref and not item.question_noref:
                assert not labels[(item.name, ref, "yes")] + labels[(item.name, ref, "no")]
                continue
            assert labels[(item.name, ref, "yes")] == labels[(item.name, ref, "no")] > 0
            words = {lab: [e["answer_words"] for e in rows if (e["item"], e["with_reference"], e["label"]) ==
                           (item.name, ref, lab)] for lab in ("yes", "no")}  # fmt: skip
            # answer length as a classifier: the share of (yes, no) pairs it orders one way, ties half
            pairs = [(a > b) + 0.5 * (a == b) for a in words["yes"] for b in words["no"]]
            auc = sum(pairs) / len(pairs)
            assert 0.35 <= auc <= 0.65, (item.name, ref, auc)
    assert sum(not e["with_reference"] for e in rows) > 0.15 * len(rows)


def test_copy_balance_removes_copying_as_a_shortcut(splits, examples):
    """Near copies of the reference with a fact changed, and correct answers in other words, leave
    "copies the reference" as a shortcut to an item's label in the default (length-balanced) rows:
    the unsupported-fact question's labels are ordered by copying alone; `copy_balance` removes it."""
    from verifier import _label_auc
    from verifier._dataset import copied

    assert copied("Call 0800 123.", "You can call 0800 123 any time.") == 1.0
    assert copied("Call 0800 999.", "You can call 0800 123 any time.") == 2 / 3
    # the share of (yes, no) pairs in which the yes answer copies more of the reference, ties half
    assert _label_auc(examples["train"], "copied")["unsupported"] < 0.35
    domain = splits[0]
    # the default 1,000 train rows: at 300 only a handful of rows come from the refusing intents, too few
    # for the refusal question's AUC to be more than noise
    train_rows = synth.synthesize(domain, synth.SynthSettings.sized(1000, seed=0)).splits["train"]
    balanced = verifier_rows(domain, train_rows, VerifierData(examples=800, copy_balance=True, minimal_pairs=False))[
        "train"
    ]
    for item in ("unsupported", "refusal", "secret"):
        assert 0.35 <= _label_auc(balanced, "copied")[item] <= 0.65, item


def test_rows_are_the_rubric_prompts_with_a_one_word_answer(examples):
    row = examples["train"][0]
    item = rubric.BY_NAME[row["item"]]
    system, user, assistant = row["messages"]
    assert system["content"] == rubric.SYSTEM and assistant["content"] in ("yes", "no")
    assert (item.question if row["with_reference"] else item.question_noref) in user["content"]


def test_the_same_seed_gives_the_same_rows(splits, examples):
    domain, data = splits
    assert verifier_rows(domain, data["train"], VerifierData(examples=400)) == examples


def test_each_answer_is_one_row_with_all_its_questions(examples):
    from verifier import grouped

    rows = examples["train"]
    assert any(e["extra"] for e in rows) and any(not e["extra"] for e in rows)
    groups = grouped(rows)
    assert sum(g["questions"] for g in groups) == len(rows) and len(groups) < len(rows)
    for g in groups:
        users = [b[1]["content"] for b in g["branches"]]
        # one answer, several questions: everything before the question is the same
        assert len({u.rsplit("Question:", 1)[0] for u in users}) == 1
        assert len({u.rsplit("Question:", 1)[1] for u in users}) == len(users)


def test_short_off_topic_parts_are_trained_on_but_never_probed(splits, examples):
    """The training-only kind: one or two sentences of another intent's (not refused) answer, judged
    as not addressing the request and not complete, as stating an unsupported fact only where its own
    sentences state a value the row's facts lack, and as a wrong refusal only where the row's request
    should be refused (the part helps with something); calibration never shows it."""
    from judge._probes import BAD, GOOD, TRAINING_ONLY, ProbeMaker, sentences

    domain, data = splits
    assert TRAINING_ONLY == ("off_topic_part",) and not set(TRAINING_ONLY) & set(GOOD + BAD + HELD_OUT)
    parts = [e for e in examples["train"] if e["kind"] == "off_topic_part"]
    assert parts and {e["item"] for e in parts} >= {"addresses", "complete"}
    assert all(e["label"] == "no" for e in parts if e["item"] in ("addresses", "complete"))
    maker = ProbeMaker(domain, data["train"], 0)
    refused = {i.name for i in domain.intents if i.checks.get("refuse")}
    rows = data["train"][::3]  # rows come in intent order: a spread over every category
    made = [(row, p) for row in rows for p in maker.probes(row, ("off_topic_part",))]
    assert len(made) > 0.9 * len(rows) and {row["intent"] for row, _ in made} & refused
    truths = {"unsupported": set(), "refusal": set()}
    for row, probe in made:
        source = [r for r in data["train"] if probe.answer in r["response"] and r["intent"] != row["intent"]]
        size = len(sentences(probe.answer))
        assert size in (1, 2) and any(
            r["intent"] not in refused and len(sentences(r["response"])) > size for r in source
        ), probe.answer
        assert not set(sentences(probe.answer)) & set(sentences(row["response"]))  # never a sentence of its own
        mine = {f["value"] for f in row["facts"]}
        extra = any(f["value"] in probe.answer and f["value"] not in mine for f in source[0]["facts"])
        assert probe.truth["addresses"] == probe.truth["complete"] == "no"
        assert probe.truth["unsupported"] == ("yes" if extra else "no")
        assert probe.truth["refusal"] == ("yes" if row["intent"] in refused else "no")
        for key in truths:
            truths[key].add(probe.truth[key])
    assert truths == {"unsupported": {"yes", "no"}, "refusal": {"yes", "no"}}  # both ways, so each check can fail


def test_an_altered_answer_is_paired_with_the_good_answer_it_alters(splits, examples):
    """Minimal pairs: an inserted amount, contact or credential request is matched with the same answer
    with a courtesy sentence in its place, a changed fact or a cut with the good answer it altered;
    so the two sides of such a pair differ by the defect alone. Without `minimal_pairs`, no twin."""
    from judge._probes import INSERTING, sentences
    from judge._wording import CLOSERS, OPENERS

    def answer(e: dict) -> str:  # the answer reviewed in a row's prompt (judge/_rubric.py's template)
        return e["input"].split("Answer to review:\n", 1)[1].rsplit("\n\nQuestion:", 1)[0]

    domain, data = splits
    rows = examples["train"]
    by_group = {}
    for e in rows:
        by_group.setdefault((e["source_id"], e["item"], e["with_reference"]), []).append(e)
    twins = [e for e in rows if e["kind"] == TWIN]
    assert twins and all(e["label"] == ("yes" if rubric.BY_NAME[e["item"]].good == "yes" else "no") for e in twins)
    paired = 0
    for e in (e for e in rows if e["kind"] in INSERTING and not e["extra"] and e["item"] in ("unsupported", "secret")):
        for t in by_group[(e["source_id"], e["item"], e["with_reference"])]:
            if t["kind"] != TWIN or t["label"] == e["label"]:
                continue
            a, b = sentences(answer(e)), sentences(answer(t))
            diff = [(x, y) for x, y in zip(a, b, strict=False) if x != y]
            if len(a) == len(b) and len(diff) == 1 and diff[0][1] in OPENERS + CLOSERS:
                paired += 1
                break
    assert paired > 0.6 * sum(e["kind"] in INSERTING and not e["extra"] and e["item"] in ("unsupported", "secret")
                              for e in rows)  # fmt: skip

    # a cut is paired with the uncut answer it was cut from (the alternative, or the reference reordered)
    cuts = [e for e in rows if e["kind"] == "truncated" and e["item"] == "complete" and not e["extra"]]
    uncut = 0
    for e in cuts:
        others = [t for t in by_group[(e["source_id"], "complete", e["with_reference"])] if t["label"] == "yes"]
        # cut from the alternative: that alternative begins with it; cut from the reference: the reordered one
        uncut += any(answer(t).startswith(answer(e)) or t["kind"] == "reordered" for t in others)
    assert cuts and uncut > 0.6 * len(cuts), (uncut, len(cuts))
    plain = verifier_rows(domain, data["train"], VerifierData(examples=400, minimal_pairs=False))["train"]
    assert not any(e["kind"] == TWIN for e in plain)


def test_near_misses_are_drawn_more_often_than_whole_answer_defects(splits, examples):
    """`near_miss_weight`: among the core rows flagging an unsupported fact, the near misses (a swapped
    fact, an inserted amount or contact) outnumber the off-topic answers at the default weight, and
    fall back to about one draw each at weight 1."""
    from judge._probes import ALTERING

    domain, data = splits

    def near_share(rows: list[dict]) -> float:
        flagged = [e for e in rows if e["item"] == "unsupported" and e["with_reference"] and not e["extra"]
                   and e["label"] == "yes"]  # fmt: skip
        return sum(e["kind"] in ALTERING for e in flagged) / len(flagged)

    even = verifier_rows(domain, data["train"], VerifierData(examples=400, near_miss_weight=1))["train"]
    assert VerifierData().near_miss_weight > 1
    assert near_share(examples["train"]) > 0.7 > near_share(even), (near_share(examples["train"]), near_share(even))


def test_no_question_about_an_answer_is_asked_twice(examples):
    """Two inserting kinds of one row can make the same courtesy twin: it is one answer, asked each
    question once."""
    for split in ("train", "validation"):
        asked = Counter((e["group"], e["item"]) for e in examples[split])
        assert max(asked.values()) == 1, [k for k, v in asked.items() if v > 1][:3]


def test_a_near_miss_weight_below_one_is_refused():
    with pytest.raises(ValueError, match="near_miss_weight"):
        VerifierData(near_miss_weight=0)
