"""Fact-free rewordings of a reply: contractions made or undone, a
courtesy sentence at the start or the end, the sentences in another order. A domain has two
training wordings per intent, so a verifier trained on them alone can pass answers by recognising
those two texts by heart, and then has nothing to go on when the reference or the answer is worded
otherwise (as the calibration's are: test-only wordings). Rewording the reference it is shown and
the answers it judges, independently, leaves comparing the two as the way to the label.

Nothing here adds, removes or changes a fact, a refusal or a request for a secret, so a reworded
answer keeps its rubric truths (judge/_probes.py). The courtesy sentences avoid the wording of the
probes' generic and refusal answers ("contact", "unable", "anything else I can do"), which are what a
verifier must learn to fail. Written here rather than taken from synth's query variation: that
table is for customers' messages (colloquial forms such as "wanna" do not belong in a bank's reply).
Used by the verifier's training data (`VerifierData.reworded`) and, for rows with no other good
answer (a domain made from a source has no second wording), by the probes' `reworded` kind."""

from __future__ import annotations

import random
import re

OPENERS = (  # neutral: some replies refuse, so none promises help
    "Good question.",
    "Let me explain.",
    "I understand.",
    "Right.",
)
CLOSERS = (
    "I hope this is clear.",
    "Let me know if you have more questions.",
    "Have a great day.",
)
CONTRACTIONS = (
    ("you will", "you'll"),
    ("we will", "we'll"),
    ("it is", "it's"),
    ("do not", "don't"),
    ("does not", "doesn't"),
    ("cannot", "can't"),
    ("we are", "we're"),
    ("you are", "you're"),
    ("there is", "there's"),
    ("we would", "we'd"),
    ("is not", "isn't"),
    ("I am", "I'm"),
    ("that is", "that's"),
    ("will not", "won't"),
)


def _case_like(word: str, like: str) -> str:
    return word[:1].upper() + word[1:] if like[:1].isupper() else word


def _contract(text: str, contract: bool) -> str:
    for long, short in CONTRACTIONS:
        src, dst = (long, short) if contract else (short, long)
        pattern = re.compile(rf"\b{re.escape(src)}\b", re.IGNORECASE)
        text = pattern.sub(lambda m, dst=dst: _case_like(dst, m.group(0)), text)
    return text


def reword(text: str, rng: random.Random) -> str:
    """`text` with, each by chance, its contractions made or undone, its sentences rotated, and a
    courtesy sentence before or after it. Empty text stays empty."""
    from ._probes import rotated, sentences  # here: _probes uses this module too

    if not text.strip():
        return text
    r = rng.random()
    if r < 0.35:
        text = _contract(text, contract=True)
    elif r < 0.7:
        text = _contract(text, contract=False)
    parts = sentences(text)
    if len(parts) >= 2 and rng.random() < 0.3:
        parts = rotated(parts, rng)
    if rng.random() < 0.35:
        parts = [rng.choice(OPENERS), *parts]
    if rng.random() < 0.35:
        parts = [*parts, rng.choice(CLOSERS)]
    return " ".join(parts)


def reworded_surely(text: str, rng) -> str:
    """`reword`, tried until the text changes; a courtesy sentence after it where nothing else does."""
    for _ in range(8):
        out = reword(text, rng)
        if out != text:
            return out
    return f"{text} {rng.choice(CLOSERS)}"
