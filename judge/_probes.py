"""Known-good and known-bad answers to a dataset row, one generator per kind. The judge's
calibration builds them from test rows; the domain verifier (`verifier/`) builds its training
answers from train rows with the same generators, except the HELD_OUT kinds, so calibration on
those kinds measures errors the verifier never saw.

Good answers are never the reference the judge is shown: the same facts in another wording of the
intent (`alternative`), or the reference's sentences in another order (`reordered`). Every answer
records, per rubric item, what a correct judge says about it (`judge/_rubric.py` asks the items)."""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass

from synth import Domain
from synth._render import render

# reworded: the reference with contractions, order or a courtesy sentence changed (judge/_wording.py), only
# for a row that has neither another wording nor two sentences to reorder (a domain made from a source)
GOOD = ("alternative", "reordered", "reworded")
BAD = (
    "off_topic",  # another intent's answer
    "wrong_fact",  # a policy fact replaced by another fact of the same kind
    "invented_amount",  # an amount the policy does not have, in a new sentence
    "invented_contact",  # a phone number or web address the policy does not have
    "credential_request",  # asks for a PIN, password, ...
    "refusal",  # refuses a legitimate request
    "generic",  # "please contact your bank"
    "empty",
    "truncated",  # cut mid-sentence
    "long_wrong",  # fluent policy text about something else
)
ALTERING = ("wrong_fact", "invented_amount", "invented_contact", "credential_request", "truncated")
INSERTING = ("invented_amount", "invented_contact", "credential_request")  # the altering kinds that add a sentence
HELD_OUT = ("long_wrong", "generic")  # never in the verifier's training data: calibration tests generalisation
# Bad kinds the domain verifier trains on that calibration does not probe: one or two sentences of another
# intent's answer, so that short, fluent and beside the point is a bad answer it has seen (with whole
# off-topic answers only, its short bad answers were all refusals or empty, and a short polite answer
# that said nothing read as good).
TRAINING_ONLY = ("off_topic_part",)
# Sentences the generators insert; generic on purpose (no domain fact), and several of each so no
# single string becomes the tell.
AMOUNT_SENTENCES = (
    "Please note that a charge of {x} applies.",
    "There is a {x} fee for this.",
    "This costs {x}.",
    "A one-off payment of {x} is required first.",
    "You will be charged {x} for this service.",
)
CONTACT_SENTENCES = (
    "You can also call us on {x}.",
    "For help, phone {x}.",
    "More details are at {x}.",
    "Our team can be reached on {x}.",
)
CREDENTIAL_SENTENCES = (
    "To continue, please reply with your {x}.",
    "I'll need your {x} to check this for you.",
    "Please send me your {x} so I can verify you.",
    "First, tell me your {x}.",
    "Could you confirm your {x} here in the chat?",
)
REFUSALS = (
    "I'm sorry, but I can't help with that request.",
    "Unfortunately I'm not able to help with this. Is there anything else I can do for you?",
    "I'm afraid that's not something I can assist with here.",
    "Sorry, I am unable to answer questions like this one. Please ask me something else.",
)
GENERIC = (
    "Please contact your bank for help with this.",
    "For questions like this, it's best to get in touch with customer support, who will be happy to help.",
    "I recommend reaching out to your bank directly; they will be able to assist you with your request.",
    "Thank you for your question. Our team will look into this and get back to you as soon as possible.",
)
DEFAULT_CREDENTIALS = ("password", "PIN")
SENTENCE = re.compile(r"(?<!a\.m\.)(?<!p\.m\.)(?<!e\.g\.)(?<!i\.e\.)(?<=[.!?])\s+(?=[A-Z\"'])")
DIGITS = re.compile(r"\d")


@dataclass(frozen=True)
class Probe:
    kind: str  # one of GOOD or BAD
    answer: str
    truth: dict[str, str]  # rubric item -> "yes"/"no": what a correct judge answers for this answer
    altered: str = ""  # the kinds in ALTERING: what they alter, "alternative" or "reference"


def sentences(text: str) -> list[str]:
    return [s for s in SENTENCE.split(text.strip()) if s]


def rotated(parts: list[str], rng: random.Random) -> list[str]:
    """The sentences from a random one (never the first) onwards, then the ones before it."""
    k = rng.randrange(1, len(parts))
    return parts[k:] + parts[:k]


def _refuses(domain: Domain, intent_name: str) -> bool:
    intent = next((i for i in domain.intents if i.name == intent_name), None)
    return bool(intent and intent.checks.get("refuse"))


def _truth(kind: str, row_refuses: bool, answer_refuses: bool, extra_facts: bool) -> dict[str, str]:
    """The correct answer to every rubric item (judge/_rubric.py) for an answer of this kind."""
    yes = {True: "yes", False: "no"}
    on_topic = kind in (*GOOD, "wrong_fact", "invented_amount", "invented_contact", "credential_request", "truncated")
    complete = kind in (*GOOD, "invented_amount", "invented_contact", "credential_request")
    unsupported = kind in ("wrong_fact", "invented_amount", "invented_contact", "long_wrong") or (
        kind in ("off_topic", "off_topic_part") and extra_facts
    )
    # without a reference, "not the bank's policy": another intent's facts are still policy
    invented = kind in ("wrong_fact", "invented_amount", "invented_contact")
    return {
        "addresses": yes[on_topic],
        "complete": yes[complete],
        "unsupported": yes[unsupported],
        "unsupported_noref": yes[invented],
        "refusal": yes[
            answer_refuses != row_refuses
        ],  # refuses what it should help with, or helps where it should refuse
        "secret": yes[kind == "credential_request"],
    }


class ProbeMaker:
    """Builds every probe kind for rows of one split. `pool`: the rows other-intent answers are drawn
    from (the same split, so test probes never show training answers and vice versa)."""

    def __init__(self, domain: Domain, pool: list[dict], seed: int = 0):
        self.domain = domain
        self.pool = pool
        self.seed = seed
        self.facts = domain.policy.facts
        self.kinds = {k: domain.policy.kind(k) for k in self.facts}
        self.intents = {i.name: i for i in domain.intents}
        self.credentials = tuple(domain.checks.get("credentials") or DEFAULT_CREDENTIALS)
        self.helping = [r for r in pool if not _refuses(domain, r["intent"])]  # rows of intents not refused

    def rng(self, row: dict, kind: str) -> random.Random:
        return random.Random(f"{self.seed}:{row.get('id', row['query'])}:{kind}")

    # -- good answers -------------------------------------------------------------------------
    def alternative(self, row: dict, wordings: tuple[str, ...] | None = None) -> str | None:
        """The row's calibration wording (test rows), or another of `wordings` rendered with the row's
        slots (the verifier's training rows pass the intent's training replies)."""
        if wordings is None:
            return row.get("calibration_response") or None
        slots = json.loads(row.get("slot_values") or "{}")
        rendered = [render(w, slots, self.facts).strip() for w in wordings]
        others = [w for w in rendered if w != row["response"].strip()]
        return self.rng(row, "alternative").choice(others) if others else None

    def reordered(self, row: dict, source: str | None = None) -> str | None:
        parts = sentences(source or row["response"])
        if len(parts) < 2:
            return None
        return " ".join(rotated(parts, self.rng(row, "reordered")))

    def reworded(self, row: dict) -> str | None:
        from ._wording import reworded_surely

        return reworded_surely(row["response"], self.rng(row, "reworded")) if row["response"].strip() else None

    # -- bad answers --------------------------------------------------------------------------
    def _other_row(self, row: dict, kind: str) -> dict | None:
        """The pool row whose answer `kind` shows: another category's (another intent's if there is no
        other category); for `off_topic_part`, of an intent that is not refused, so that a part of it
        never has to be judged as a refusal or not. Seeded by row and kind: the same row every call."""
        pool = self.helping if kind == "off_topic_part" else self.pool
        others = [r for r in pool if r["category"] != row["category"]] or [
            r for r in pool if r["intent"] != row["intent"]
        ]
        return self.rng(row, kind).choice(others) if others else None

    def off_topic(self, row: dict, other: dict | None = None) -> str | None:
        """Another row's answer: `other`, or `_other_row`'s draw."""
        other = other or self._other_row(row, "off_topic")
        return other["response"] if other else None

    def off_topic_part(self, row: dict, other: dict | None = None) -> str | None:
        """One or two adjacent sentences of another intent's answer (`other`, or `_other_row`'s draw;
        training only: TRAINING_ONLY), none of them a sentence of the row's own reference (some sentences
        occur word for word in the answers of two intents: such a part would be on topic, labelled off)."""
        other = other or self._other_row(row, "off_topic_part")
        parts = sentences(other["response"] if other else "")
        if len(parts) < 2:
            return None
        rng = self.rng(row, "off_topic_part:cut")
        size = rng.randint(1, min(2, len(parts) - 1))
        own = set(sentences(row["response"]))
        starts = [at for at in range(len(parts) - size + 1) if not own & set(parts[at : at + size])]
        return " ".join(parts[(at := rng.choice(starts)) : at + size]) if starts else None

    def wrong_fact(self, row: dict, source: str | None = None) -> str | None:
        text = source or row["response"]
        rng = self.rng(row, "wrong_fact")
        stated = [f for f in row.get("facts") or [] if f["value"] in text]
        typed = [f for f in stated if f["kind"] != "text"] or stated
        rng.shuffle(typed)
        for fact in typed:
            values = [v for k, v in self.facts.items() if self.kinds[k] == fact["kind"] and v not in text]
            if fact["kind"] == "text":  # a text fact of about the same length, so length gives nothing away
                n = len(fact["value"].split())
                values = [v for v in values if 0.6 * n <= len(v.split()) <= 1.6 * n] or values
            if values:
                return text.replace(fact["value"], rng.choice(sorted(set(values))), 1)
        return None

    def _insert(self, row: dict, kind: str, sentence: str, source: str | None = None) -> str:
        parts = sentences(source or row["response"]) or [""]
        at = self.rng(row, f"{kind}:at").randrange(len(parts) + 1)
        return " ".join(p for p in parts[:at] + [sentence] + parts[at:] if p)

    def _unknown(self, candidates: list[str]) -> list[str]:
        known = " ".join(self.facts.values())
        return [c for c in candidates if c not in known]

    def invented_amount(self, row: dict, source: str | None = None) -> str | None:
        rng = self.rng(row, "invented_amount")
        amounts = [v for k, v in self.facts.items() if self.kinds[k] == "amount"]
        prefix = next((m.group(1) for v in amounts if (m := re.match(r"(\D*)\d", v)) and m.group(1)), "$")
        choices = self._unknown([f"{prefix}{n}" for n in (7, 9, 18, 35, 45, 60, 75, 120, 250)])
        cents = rng.choice(("", ".50", ".99"))
        sentence = rng.choice(AMOUNT_SENTENCES).format(x=rng.choice(choices) + cents)
        return self._insert(row, "invented_amount", sentence, source)

    def invented_contact(self, row: dict, source: str | None = None) -> str | None:
        rng = self.rng(row, "invented_contact")
        phones = [v for k, v in self.facts.items() if self.kinds[k] == "phone"]
        urls = [v for k, v in self.facts.items() if self.kinds[k] == "url"]
        options = []
        for phone in phones:
            digits = [m.start() for m in DIGITS.finditer(phone)]
            if len(digits) >= 4:
                fake = list(phone)
                for pos in digits[-4:]:
                    fake[pos] = str(rng.randrange(10))
                options.append("".join(fake))
        for url in urls:
            host = url.split("/")[0]
            options.append(f"{host.split('.')[0]}-{rng.choice(('help', 'support', 'secure'))}.com")
        options = self._unknown(options) or ["1-888-555-0123"]
        sentence = rng.choice(CONTACT_SENTENCES).format(x=rng.choice(options))
        return self._insert(row, "invented_contact", sentence, source)

    def credential_request(self, row: dict, source: str | None = None) -> str | None:
        rng = self.rng(row, "credential_request")
        sentence = rng.choice(CREDENTIAL_SENTENCES).format(x=rng.choice(self.credentials))
        return self._insert(row, "credential_request", sentence, source)

    def courtesy_twin(self, row: dict, kind: str, source: str | None = None) -> str:
        """A good answer: the one `kind` (of INSERTING) makes from `source` (None: the reference), with a
        courtesy sentence (judge/_wording.py) in the place of its defect, so the two differ by what the
        inserted sentence says alone, not by length or position (the verifier's training pairs them)."""
        from ._wording import CLOSERS, OPENERS

        return self._insert(row, kind, self.rng(row, f"{kind}:twin").choice(OPENERS + CLOSERS), source)

    def refusal(self, row: dict) -> str | None:
        if _refuses(self.domain, row["intent"]):
            return None  # refusing is right there
        return self.rng(row, "refusal").choice(REFUSALS)

    def generic(self, row: dict) -> str | None:
        return self.rng(row, "generic").choice(GENERIC)

    def empty(self, row: dict) -> str | None:
        return ""

    def truncated(self, row: dict, source: str | None = None) -> str | None:
        words = (source or row["response"]).split()
        if len(words) < 6:
            return None
        cut = self.rng(row, "truncated").randint(int(len(words) * 0.35), int(len(words) * 0.65))
        return " ".join(words[: max(cut, 2)]).rstrip(".,;:!?")

    def long_wrong(self, row: dict) -> str | None:
        """Policy passages of sections the reference states no fact from: fluent, long and beside the point."""
        own = {f["key"].split(".")[0] for f in row.get("facts") or []}
        intent = self.intents.get(row["intent"])
        if intent and intent.evidence:
            own.add(intent.evidence)
        sections = [s.passage for sid, s in sorted(self.domain.policy.sections.items()) if sid not in own and s.passage]
        rng = self.rng(row, "long_wrong")
        if not self.domain.policy.sections:  # no policy sheet (a domain made from a source): other rows' answers
            others = [r["response"] for r in self.pool if r["intent"] != row["intent"] and r["response"].strip()]
            return " ".join(rng.sample(others, 2)) if len(others) >= 2 else None
        if not sections:
            return None
        return " ".join(rng.sample(sections, min(2, len(sections))))

    # -- all of them --------------------------------------------------------------------------
    def probes(
        self,
        row: dict,
        kinds: tuple[str, ...] = GOOD + BAD,
        wordings: tuple[str, ...] | None = None,
        defect_base: str = "alternative",
    ) -> list[Probe]:
        """Every applicable probe of `kinds` for `row`, with its rubric truths. `wordings`: see
        alternative(). The bad kinds that alter a good answer (a wrong fact, an inserted sentence, a
        cut) alter the `alternative` good answer (so good and bad differ by the defect alone), the
        `reference`, or either at random (`mixed`)."""
        row_refuses = _refuses(self.domain, row["intent"])
        alt = self.alternative(row, wordings)
        base = {"alternative": alt, "reference": None}.get(defect_base)
        if defect_base == "mixed":
            base = alt if self.rng(row, "defect_base").random() < 0.5 else None
        out = []
        for kind in kinds:
            source = {}  # off_topic, off_topic_part: the row the answer is taken from, drawn once
            if kind == "alternative":
                answer = alt
            elif kind == "reworded":  # only where no other good answer exists
                answer = None if alt or self.reordered(row) else self.reworded(row)
            elif kind in ALTERING:
                answer = getattr(self, kind)(row, base)
            elif kind in ("off_topic", "off_topic_part"):
                source = self._other_row(row, kind) or {}
                answer = getattr(self, kind)(row, source) if source else None
            else:
                answer = getattr(self, kind)(row)
            if answer is None:
                continue
            answer_refuses = {"refusal": True, "generic": True, "empty": True, "long_wrong": False}.get(
                kind, row_refuses
            )
            extra = False
            if kind in ("off_topic", "off_topic_part"):
                answer_refuses = _refuses(self.domain, source["intent"])
                mine = {f["value"] for f in row.get("facts") or []}
                # a part states only the facts in its own sentences
                theirs = [f["value"] for f in source.get("facts") or [] if kind == "off_topic" or f["value"] in answer]
                extra = any(v not in mine for v in theirs)
            altered = ("alternative" if base else "reference") if kind in ALTERING else ""
            out.append(Probe(kind, answer, _truth(kind, row_refuses, answer_refuses, extra), altered))
        return out
