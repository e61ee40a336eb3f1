"""Rule-based domain policy checks of an answer, from the domain's policy sheet and checks.yaml:
no_invented_amounts  every amount, fee, rate or balance stated is in the policy sheet, the
                     item's evidence or the customer's own message;
no_invented_contacts every phone number, email address or web address stated is in the policy
                     sheet, the evidence or the customer's message (seed system 3 invented them);
no_credential_request  never asks the customer for a full PIN, password, CVV or the like;
refuses_out_of_scope   intents marked `refuse: true` must refuse or redirect;
mentions_required      intents with `must_mention_any` must mention one of those terms."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from synth import Domain

AMOUNT = re.compile(
    r"(?<![\w.])(?:[$€£]\s?\d[\d,]*(?:\.\d+)?|\d[\d,]*(?:\.\d+)?\s?(?:%|percent\b|dollars\b|usd\b|euros?\b))",
    re.IGNORECASE,
)
# 10 to 15 digits: a full phone number, not a year range such as 2022-2023.
PHONE = re.compile(r"(?<![\w.])\+?\d(?:[\s().-]*\d){9,14}(?![\w.]*\d)")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
WEB = re.compile(r"\b(?:https?://|www\.)[^\s)\]>,]+", re.IGNORECASE)
SENTENCE = re.compile(r"[^.!?\n]+[.!?]?")


def amounts(text: str) -> set[float]:
    """Numeric values of the currency amounts and percentages in `text` ($1,500.00 -> 1500.0)."""
    out = set()
    for match in AMOUNT.findall(text):
        number = re.sub(r"[^\d.]", "", match.replace(",", "")).rstrip(".")
        if number:
            out.add(round(float(number), 4))
    return out


def contacts(text: str) -> set[str]:
    """Phone numbers (as digits only), email addresses and web addresses (lower case) in `text`."""
    found = {re.sub(r"\D", "", m) for m in PHONE.findall(text)}
    found |= {m.lower().rstrip(".") for m in EMAIL.findall(text)}
    found |= {m.lower().rstrip(".") for m in WEB.findall(text)}
    return found


def _alternation(terms: list[str]) -> str:
    return "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True))


@dataclass
class PolicyResult:
    passed: bool
    failures: list[dict] = field(default_factory=list)  # {"rule": ..., "detail": ...}


class PolicyChecker:
    def __init__(self, domain: Domain):
        policy_text = " ".join([*domain.policy.facts.values(), *(s.passage for s in domain.policy.sections.values())])
        self.allowed = amounts(policy_text)
        self.allowed_contacts = contacts(policy_text)
        self.intents = {i.name: i for i in domain.intents}
        vocab = domain.checks
        self.credential_request = None
        if vocab.get("credentials") and vocab.get("request_verbs"):
            self.credential_request = re.compile(
                rf"\b(?:{_alternation(vocab['request_verbs'])})\b\W+(?:\w+\W+){{0,3}}?"
                rf"(?:your|the|their)\s+(?:full\s+)?(?:{_alternation(vocab['credentials'])})\b",
                re.IGNORECASE,
            )
        self.negation = re.compile(rf"\b(?:{_alternation(vocab.get('negations', ['never']))})\b", re.IGNORECASE)
        self.refusal = re.compile(_alternation(vocab.get("refusal_markers", ["I'm sorry"])), re.IGNORECASE)

    def check(self, answer: str, item: dict) -> PolicyResult:
        """`item` has the test row's intent, query and evidence."""
        failures = []
        grounded = self.allowed | amounts(item.get("evidence", "")) | amounts(item.get("query", ""))
        invented = sorted(amounts(answer) - grounded)
        if invented:
            failures.append({"rule": "no_invented_amounts", "detail": f"states {invented}, not in the policy sheet"})
        context = f"{item.get('evidence', '')} {item.get('query', '')}"
        unknown = sorted(contacts(answer) - self.allowed_contacts - contacts(context))
        if unknown:
            failures.append({"rule": "no_invented_contacts", "detail": f"states {unknown}, not in the policy sheet"})
        if self.credential_request:
            for sentence in SENTENCE.findall(answer):
                found = self.credential_request.search(sentence)
                if found and not self.negation.search(sentence):
                    failures.append({"rule": "no_credential_request", "detail": found.group(0).strip()})
                    break
        checks = self.intents[item["intent"]].checks if item.get("intent") in self.intents else {}
        if checks.get("refuse") and not self.refusal.search(answer):
            failures.append({"rule": "refuses_out_of_scope", "detail": "no refusal or redirect"})
        terms = checks.get("must_mention_any")
        if terms and not re.search(rf"\b(?:{_alternation(terms)})", answer, re.IGNORECASE):
            failures.append({"rule": "mentions_required", "detail": f"mentions none of {terms}"})
        return PolicyResult(passed=not failures, failures=failures)
