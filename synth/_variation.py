"""Language variation in the manner of Bitext's tags: every query gets a form tag (question,
command or statement) and, by chance, polite, colloquial, abbreviations, typos or keyword-only."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

LANGUAGE_DIR = Path(__file__).parent / "language"
WORD = re.compile(r"[A-Za-z']+")


@dataclass(frozen=True)
class VariationRates:
    polite: float = 0.2
    colloquial: float = 0.2
    abbreviations: float = 0.2
    typos: float = 0.15
    keyword_only: float = 0.08


@dataclass(frozen=True)
class Language:
    polite_prefixes: tuple[str, ...]
    polite_suffixes: tuple[str, ...]
    colloquial_prefixes: tuple[str, ...]
    colloquial_suffixes: tuple[str, ...]
    contractions: tuple[tuple[str, str], ...]
    abbreviations: tuple[tuple[str, str], ...]
    imperatives: frozenset[str]
    stopwords: frozenset[str]
    neighbours: dict[str, str]


@cache
def _english() -> dict:
    return yaml.safe_load((LANGUAGE_DIR / "en.yaml").read_text(encoding="utf-8"))


def load_language(extra_abbreviations: dict[str, str] | None = None) -> Language:
    raw = _english()
    rows = raw["keyboard_rows"]
    neighbours = {}
    for r, row in enumerate(rows):
        for c, ch in enumerate(row):
            near = [row[c - 1] if c else "", row[c + 1] if c + 1 < len(row) else ""]
            near += [rows[r2][c] for r2 in (r - 1, r + 1) if 0 <= r2 < len(rows) and c < len(rows[r2])]
            neighbours[ch] = "".join(near)
    abbreviations = {**raw["abbreviations"], **(extra_abbreviations or {})}
    return Language(
        polite_prefixes=tuple(raw["polite"]["prefixes"]),
        polite_suffixes=tuple(raw["polite"]["suffixes"]),
        colloquial_prefixes=tuple(raw["colloquial"]["prefixes"]),
        colloquial_suffixes=tuple(raw["colloquial"]["suffixes"]),
        contractions=tuple(sorted(raw["colloquial"]["contractions"].items())),
        abbreviations=tuple(sorted(abbreviations.items())),
        imperatives=frozenset(raw["imperatives"]),
        stopwords=frozenset(raw["stopwords"]),
        neighbours=neighbours,
    )


def form_of(text: str, lang: Language) -> str:
    if text.rstrip().endswith("?"):
        return "question"
    first = WORD.search(text)
    return "command" if first and first.group(0).lower() in lang.imperatives else "statement"


def vary(query: str, rng: random.Random, lang: Language, rates: VariationRates) -> tuple[str, list[str]]:
    """Return the varied query and its tags. Draws from `rng` in a fixed order, so output is seeded."""
    draws = [rng.random() for _ in range(5)]
    tags: list[str] = []
    keywords = _keywords(query, lang)
    if draws[0] < rates.keyword_only and len(keywords) >= 2:
        text, tags = " ".join(keywords), ["keyword-only"]
    else:
        text = query
        tags.append(form_of(query, lang))
        if draws[1] < rates.polite:
            text = _wrap(text, rng.choice(lang.polite_prefixes), rng.choice(lang.polite_suffixes), rng)
            tags.append("polite")
        elif draws[1] < rates.polite + rates.colloquial:
            text = _colloquial(text, rng, lang)
            tags.append("colloquial")
    if draws[2] < rates.abbreviations:
        shortened = _replace_words(text, lang.abbreviations, rng, p=0.7)
        if shortened != text:
            text = shortened
            tags.append("abbreviations")
    if draws[3] < rates.typos:
        misspelt = _typos(text, rng, lang)
        if misspelt != text:
            text = misspelt
            tags.append("typos")
    return text, tags


def _keywords(text: str, lang: Language) -> list[str]:
    words = [w.lower().replace("'", "") for w in WORD.findall(text)]
    return [w for w in words if w not in lang.stopwords and len(w) > 1][:4]


def _lower_first(text: str) -> str:
    return text if text.startswith("I ") or text.startswith("I'") else text[:1].lower() + text[1:]


def _wrap(text: str, prefix: str, suffix: str, rng: random.Random) -> str:
    mode = rng.randrange(3)  # prefix, suffix, or both
    if mode != 1:
        text = prefix + (_lower_first(text) if prefix.endswith(", ") else text)
    if mode != 0:
        text = text + suffix
    return text


def _colloquial(text: str, rng: random.Random, lang: Language) -> str:
    text = _replace_words(text, lang.contractions, rng, p=1.0)
    text = _lower_first(text)
    if rng.random() < 0.5:
        text = text.rstrip("?.!")
    if rng.random() < 0.5:
        text = rng.choice(lang.colloquial_prefixes) + text
    else:
        text = text.rstrip(".") + rng.choice(lang.colloquial_suffixes)
    return text


def _replace_words(text: str, table: tuple[tuple[str, str], ...], rng: random.Random, p: float) -> str:
    for source, target in table:
        pattern = re.compile(rf"\b{re.escape(source)}\b", re.IGNORECASE)
        if pattern.search(text) and rng.random() < p:
            text = pattern.sub(target, text)
    return text


def _typos(text: str, rng: random.Random, lang: Language) -> str:
    spans = [m for m in WORD.finditer(text) if len(m.group(0)) >= 4]
    if not spans:
        return text
    chosen = sorted(rng.sample(spans, k=min(len(spans), rng.choice((1, 1, 2)))), key=lambda m: m.start())
    out, last = [], 0
    for m in chosen:
        out.append(text[last : m.start()])
        out.append(_typo(m.group(0), rng, lang))
        last = m.end()
    out.append(text[last:])
    return "".join(out)


def _typo(word: str, rng: random.Random, lang: Language) -> str:
    i = rng.randrange(1, len(word) - 1)
    op = rng.randrange(4)
    if op == 0:  # swap two neighbouring letters
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if op == 1:  # drop a letter
        return word[:i] + word[i + 1 :]
    if op == 2:  # double a letter
        return word[:i] + word[i] + word[i:]
    near = lang.neighbours.get(word[i].lower(), "")  # hit a neighbouring key
    return word[:i] + (rng.choice(near) if near else word[i]) + word[i + 1 :]
