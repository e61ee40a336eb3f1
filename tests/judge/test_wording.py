"""Fact-free rewordings of the verifier's training replies: every number, fact value and sentence
of substance is kept; the wording changes; the same seed gives the same text."""

from __future__ import annotations

import random
import re

import synth
from judge._probes import sentences
from judge._wording import CLOSERS, OPENERS, _contract, reword
from tests.conftest import BANKING

DIGITS = re.compile(r"\d[\d,.]*")


def _replies() -> list[str]:
    domain = synth.load_domain(BANKING)
    result = synth.synthesize(domain, synth.SynthSettings.sized(120, seed=0))
    return sorted({r["response"] for r in result.splits["train"]})


def test_rewording_keeps_every_number_and_changes_the_wording():
    replies = _replies()
    changed = 0
    for i, text in enumerate(replies):
        out = reword(text, random.Random(i))
        assert sorted(DIGITS.findall(out)) == sorted(DIGITS.findall(text)), (text, out)
        added = [s for s in sentences(out) if s in OPENERS + CLOSERS]
        assert len(added) <= 2
        # what is left once the courtesy sentences are dropped and contractions undone is the same text's sentences
        core = {_contract(s, contract=False) for s in sentences(out) if s not in OPENERS + CLOSERS}
        assert core == {_contract(s, contract=False) for s in sentences(text)}, (text, out)
        changed += out != text
    assert changed >= len(replies) // 2


def test_contractions_go_both_ways_and_keep_the_capital():
    assert _contract("You will get it. It is free.", contract=True) == "You'll get it. It's free."
    assert _contract("You'll get it; we won't charge.", contract=False) == "You will get it; we will not charge."


def test_rewording_is_seeded_and_leaves_empty_text_alone():
    text = "Your card is free. It is not possible to waive the fee. You will get it in 5 days."
    assert reword(text, random.Random(7)) == reword(text, random.Random(7))
    assert reword("", random.Random(1)) == ""
