"""Fact-level scoring against the policy sheet. Each test row names the policy facts its reference
states (`facts`: key, kind and value, rendered from `{policy.section.fact}` placeholders), so an
answer is scored on the bank's facts, not on the reference's wording:

fact_recall  share of the reference's facts whose value the answer states (items whose reference
             states no fact, such as refusals, are not scored);
fact_error   whether the answer states, for a reference fact it does not state, another value of
             the same kind instead: "Express delivery costs $25" for a $15 fee, a wrong phone line.
             Only kinds with comparable values count (amount, rate, duration, phone, url). Not
             counted as another value: one the customer's question or the shown evidence states,
             or one the reference states anywhere (inside its text facts too, such as "24 hours a
             day"). A correct value of some other policy fact does count: the question was about
             this fact.

When a fact is stated, by kind (the kind is declared in the policy sheet; undeclared facts are text):
amount    every currency amount in the value is in the answer, compared as numbers in their
          currency ($1,500.00 == $1,500 == 1500 dollars; judge/_policy.amounts);
rate      every percentage in the value is in the answer (3.10% == 3.1 percent);
duration  every duration in the value is in the answer, compared in minutes (a year is 12 months, a
          week 7 days): "5 to 7 business days" needs 5 and 7 days, "12 to 60 months" is stated by
          "1 to 5 years"; numbers may be words ("two days"), "business"/"working" qualifiers and
          plurals are ignored, a range may be written "5-7", "5 to 7" or "between 5 and 7";
phone     the number is in the answer in any format, compared in E.164 (judge/_policy.phones);
url       a web address in the answer is the value's address or a page under it, compared as
          lower-case host without "www." (judge/_policy.web_address);
text      at least TEXT_SHARE of the value's content words are in the answer (words are lower-cased
          letters and digits, plural endings dropped, STOPWORDS left out), every amount, rate,
          duration and phone number inside the value is in the answer too ("3 incorrect PIN
          entries lock the PIN for 24 hours" is not stated with 5 and 48), and a negation in the
          value must be matched by a negation in the answer at most NEGATION_WINDOW words before one
          of the value's other content words: "no monthly fee" is stated by "we do not charge a
          monthly fee", not by "a monthly fee" nor "No, there is a monthly fee". Known gap: a
          negation in the answer that the value lacks ("not free") is not noticed."""

from __future__ import annotations

import re

from ._policy import WEB, amounts, phones, plain, web_address

TEXT_SHARE = 2 / 3
CHECKED_KINDS = ("amount", "rate", "duration", "phone", "url")  # kinds whose wrong values are fact errors
INNER_KINDS = ("amount", "rate", "duration", "phone")  # values inside a text fact that must be stated as they are
# Function words only; written out rather than taken from a stop-word list (scikit-learn's, NLTK's),
# because those lists drop negations and quantities ("no", "not", "first", "next") that change a policy fact.
STOPWORDS = frozenset(
    "a an the and or of to in on at by for with from is are be can will your you it its this that as "
    "any our we us per".split()
)
# Number words up to what durations in a policy sheet use; written out because no maintained
# library for it is in the offline stack, and a dozen entries is all a duration needs.
NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40,
    "forty-five": 45, "fifty": 50, "sixty": 60, "ninety": 90,
}  # fmt: skip
_NUM = r"\d+(?:\.\d+)?|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
DURATION = re.compile(
    rf"(?<![\w.$])(?P<a>{_NUM})(?:\s*(?:to|-|–|or|and)\s*(?P<b>{_NUM}))?\s*-?\s*(?:(?:business|working|calendar)\s+)?"
    r"(?P<unit>minute|hour|day|week|month|year)s?\b",
    re.IGNORECASE,
)
TEXT_WORD = re.compile(r"[a-z0-9]+")
# "t" is what remains of "n't" ("don't" -> "don", "t") once quotes are plain and words split.
NEGATIONS = frozenset({"no", "not", "never", "without", "zero", "t", "none"})
NEGATION_WINDOW = 3
# Durations compared in minutes; a month is a twelfth of a (365-day) year, so 12 months == 1 year.
MINUTES = {"minute": 1, "hour": 60, "day": 1440, "week": 10080, "month": 43800, "year": 525600}


def _number(token: str) -> float:
    token = token.lower()
    return float(NUMBER_WORDS[token]) if token in NUMBER_WORDS else float(token)


def durations(text: str) -> set[float]:
    """Each duration in minutes: '5 to 7 business days' -> {7200.0, 10080.0}."""
    found = set()
    for m in DURATION.finditer(text):
        scale = MINUTES[m["unit"].lower()]
        found.add(round(_number(m["a"]) * scale, 3))
        if m["b"]:
            found.add(round(_number(m["b"]) * scale, 3))
    return found


def web_addresses(text: str) -> set[str]:
    return {web_address(m.rstrip(".,;:!?")) for m in WEB.findall(text)} - {""}


def values(kind: str, text: str) -> set:
    """The comparable values of `kind` stated in `text`."""
    text = plain(text)
    if kind == "amount":
        return {a for a in amounts(text) if a[0] != "%"}
    if kind == "rate":
        return {a for a in amounts(text) if a[0] == "%"}
    if kind == "duration":
        return durations(text)
    if kind == "phone":
        return phones(text)
    if kind == "url":
        return web_addresses(text)
    raise ValueError(f"no comparable values for kind {kind!r}")


def _stem(word: str) -> str:
    """Plural endings off: branches -> branch, fees -> fee, days -> day (never 'ss', as in 'address')."""
    if len(word) > 4 and word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _tokens(text: str) -> list[str]:
    return [_stem(w) for w in TEXT_WORD.findall(plain(text).lower())]


def content_words(text: str) -> set[str]:
    return set(_tokens(text)) - STOPWORDS


def _negation_matched(value_words: set[str], answer: str) -> bool:
    """A negation in the answer at most NEGATION_WINDOW words before one of the value's other words."""
    targets = value_words - NEGATIONS
    tokens = _tokens(answer)
    for i, token in enumerate(tokens):
        if token in NEGATIONS and targets & set(tokens[i + 1 : i + 1 + NEGATION_WINDOW + 1]):
            return True
    return False


def _url_stated(fact: set[str], answer: set[str]) -> bool:
    return all(any(a == f or a.startswith(f + "/") for a in answer) for f in fact)


def is_stated(kind: str, value: str, answer: str) -> bool:
    if kind == "text":
        wanted, have = content_words(value), content_words(answer)
        if not wanted or len(wanted & have) < TEXT_SHARE * len(wanted):
            return False
        if wanted & NEGATIONS and not _negation_matched(wanted, answer):
            return False
        return all(values(k, value) <= values(k, answer) for k in INNER_KINDS)
    fact = values(kind, value)
    if not fact:  # a value with nothing comparable in it (e.g. "free" declared as an amount): its words
        return is_stated("text", value, answer)
    found = values(kind, answer)
    return _url_stated(fact, found) if kind == "url" else fact <= found


def score_facts(facts: list[dict], answer: str, context: str = "") -> dict:
    """fact_recall (None when the reference states no fact), fact_error (None likewise), and which
    facts were stated, missed and contradicted (with the values the answer gave instead).
    `context`: the customer's question and any evidence shown, whose values are never wrong."""
    if not facts:
        return {"fact_recall": None, "fact_error": None, "facts_stated": [], "facts_missed": [], "facts_wrong": []}
    stated, missed, wrong = [], [], []
    # kind -> every value of that kind the reference states (text facts included) or the context does
    expected = {kind: values(kind, context) for kind in CHECKED_KINDS}
    for f in facts:
        for kind in CHECKED_KINDS:
            expected[kind] |= values(kind, f["value"])
    for f in facts:
        if is_stated(f["kind"], f["value"], answer):
            stated.append(f["key"])
            continue
        missed.append(f["key"])
        if f["kind"] in CHECKED_KINDS:
            found = values(f["kind"], answer)
            if f["kind"] == "url":
                other = {a for a in found if not _url_stated(expected["url"], {a})}
            else:
                other = found - expected[f["kind"]]
            if other:
                wrong.append({"key": f["key"], "expected": f["value"], "stated": sorted(map(_show, other))})
    return {
        "fact_recall": len(stated) / len(facts),
        "fact_error": bool(wrong),
        "facts_stated": stated,
        "facts_missed": missed,
        "facts_wrong": wrong,
    }


def _show(value) -> str:
    if isinstance(value, float):  # a duration in minutes, shown in the largest whole unit
        unit = next(u for u in reversed(MINUTES) if value % MINUTES[u] == 0 or u == "minute")
        n = value / MINUTES[unit]
        return f"{n:g} {unit}{'s' if n != 1 else ''}"
    if isinstance(value, tuple):
        unit, number = value
        return f"{number:g}%" if unit == "%" else f"{number:g} {unit}"
    return str(value)
