"""A domain benchmark as data: load, validate and hash the files under benchmarks/<domain>/."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from ._errors import DomainError
from ._render import literal_text, references, render
from ._schema import validate_schema
from ._source import SourceSpec
from ._yaml import YamlDoc, load_yaml

DIGIT = re.compile(r"\d")
# An intent's wordings: training replies, the test references' wording, the judge calibration's.
RESPONSE_KEYS = ("responses", "reference_responses", "calibration_responses")


@dataclass(frozen=True)
class Section:
    title: str
    facts: dict[str, str]
    passage: str  # rendered with the section's own facts
    kinds: dict[str, str] = field(default_factory=dict)  # fact -> kind (amount, rate, ...); unlisted: text


@dataclass(frozen=True)
class Policy:
    bank: str
    sections: dict[str, Section]

    @property
    def facts(self) -> dict[str, str]:
        """Every fact as 'section.fact' -> value."""
        return {f"{sid}.{k}": v for sid, s in self.sections.items() for k, v in s.facts.items()}

    def kind(self, ref: str) -> str:
        """The declared kind of fact 'section.fact' (text unless the sheet says otherwise)."""
        sid, name = ref.split(".", 1)
        return self.sections[sid].kinds.get(name, "text")


@dataclass(frozen=True)
class Intent:
    name: str
    category: str
    description: str
    queries: tuple[str, ...]
    responses: tuple[str, ...]  # training replies
    reference_responses: tuple[str, ...]  # the test references' wordings, never trained on
    calibration_responses: tuple[str, ...]  # wordings of the judge calibration's good answers
    slots: dict[str, tuple[str, ...]]  # every slot its templates use, with its values
    evidence: str | None = None  # policy section shown with the question (grounded QA)
    checks: dict = field(default_factory=dict)
    source: str = ""  # file:line, for messages
    facts: tuple[str, ...] = ()  # the policy facts ('section.fact') every response of the intent states

    @property
    def task(self) -> str:
        return "grounded_qa" if self.evidence else "assistant"


@dataclass(frozen=True)
class Domain:
    name: str
    title: str
    description: str
    system_prompt: str
    grounded_prompt: str
    categories: dict[str, str]
    abbreviations: dict[str, str]
    policy: Policy
    intents: tuple[Intent, ...]
    root: Path
    files_hash: str  # sha256 of every data file, so any edit changes downstream keys
    checks: dict = field(default_factory=dict)  # checks.yaml: vocabulary of the judge's policy rules
    # real_queries.yaml: a real-query CSV's category -> the intents whose answers serve it
    real_query_intents: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # documents.yaml: extra passages for retrieval contestants ({"id", "title", "text"}), beside the policy sheet
    documents: tuple[dict, ...] = ()
    # domain.yaml `source:` (synth/_source.py): the dataset comes from existing data, not from intents/
    source: SourceSpec | None = None
    # domain.yaml `sizes:` {train, validation, test}: the rows a run makes when no --size is given
    sizes: dict[str, int] | None = None

    @property
    def has_policy(self) -> bool:
        """Whether a policy sheet states the domain's facts (policy rules and fact recall need one)."""
        return bool(self.policy.sections)

    def evidence_text(self, intent: Intent) -> str:
        return self.policy.sections[intent.evidence].passage if intent.evidence else ""


DEFAULT_GROUNDED_PROMPT = "Answer using this excerpt from the policy sheet.\n\n{evidence}\n\nQuestion: {question}"


def load_domain(root: Path) -> Domain:
    """Load and fully validate a domain folder; raise DomainError naming file, line and field."""
    root = Path(root)
    if not (root / "domain.yaml").is_file():
        raise DomainError(root / "domain.yaml", "not a domain folder (domain.yaml is missing)")
    meta = load_yaml(root / "domain.yaml")
    validate_schema(meta, "domain")
    if meta.data["name"] != root.name:
        raise meta.error(["name"], f"is '{meta.data['name']}' but the folder is '{root.name}'")
    source = SourceSpec.from_yaml(meta.data["source"]) if "source" in meta.data else None
    if source is None and "categories" not in meta.data:
        raise meta.error([], "needs categories (or a source: of existing data)")
    if source is not None and "sizes" in meta.data:
        raise meta.error(["sizes"], "sizes the splits made from intents/; a source's splits take source.caps")
    if source is not None and (root / "intents").is_dir():
        raise meta.error(["source"], "a domain is made from a source or from intents/, not both")
    if source is not None and not (root / "policy.yaml").is_file():
        policy = Policy(bank=meta.data["title"], sections={})  # no policy sheet: no policy rules, no fact recall
    else:
        policy = _load_policy(load_yaml(root / "policy.yaml"))
    global_slots = {}
    if (root / "slots.yaml").is_file():
        slots_doc = load_yaml(root / "slots.yaml")
        validate_schema(slots_doc, "slots")
        global_slots = slots_doc.data["slots"]
    checks = {}
    if (root / "checks.yaml").is_file():
        checks_doc = load_yaml(root / "checks.yaml")
        validate_schema(checks_doc, "checks")
        checks = checks_doc.data
    files = sorted((root / "intents").glob("*.yaml")) if (root / "intents").is_dir() else []
    if not files and source is None:
        raise DomainError(root / "intents", "no intent files (intents/*.yaml)")
    intents: list[Intent] = []
    seen: dict[str, str] = {}
    slot_lists: dict[str, tuple[tuple[str, ...], str]] = {}  # slot -> (values, first intent's file:line)
    for path in files:
        doc = load_yaml(path)
        validate_schema(doc, "intents")
        if doc.data["category"] not in meta.data["categories"]:
            raise doc.error(["category"], f"'{doc.data['category']}' is not declared in domain.yaml categories")
        for i, raw in enumerate(doc.data["intents"]):
            intent = _build_intent(doc, i, raw, global_slots, policy)
            if intent.name in seen:
                raise doc.error(["intents", i, "intent"], f"'{intent.name}' is already defined at {seen[intent.name]}")
            seen[intent.name] = intent.source
            for slot, values in intent.slots.items():
                first = slot_lists.setdefault(slot, (values, intent.source))
                # One slot name, one value list: a name's values split the same way in every intent that
                # uses it (values shared across names are kept to one side by synth/_split.py).
                if first[0] != values:
                    raise doc.error(
                        ["intents", i, "slots"] if "slots" in raw else ["intents", i],
                        f"slot {{{slot}}} has other values here than at {first[1]}; a slot name has one "
                        "value list (give the other one its own name, or define it once in slots.yaml)",
                    )
            intents.append(intent)
    real_query_intents = {}
    if (root / "real_queries.yaml").is_file():
        real_query_intents = _load_real_query_intents(load_yaml(root / "real_queries.yaml"), seen)
    documents: tuple[dict, ...] = ()
    if (root / "documents.yaml").is_file():
        docs = load_yaml(root / "documents.yaml")
        validate_schema(docs, "documents")
        documents = tuple(
            {"id": d["id"], "title": d["title"], "text": d["text"].strip()} for d in docs.data["documents"]
        )
        ids = [d["id"] for d in documents]
        if len(set(ids)) < len(ids):
            dup = next(i for i in ids if ids.count(i) > 1)
            raise docs.error(["documents", ids.index(dup, ids.index(dup) + 1), "id"], f"'{dup}' is used twice")
    return Domain(
        name=meta.data["name"],
        title=meta.data["title"],
        description=meta.data.get("description", ""),
        system_prompt=meta.data["system_prompt"].strip(),
        grounded_prompt=meta.data.get("grounded_prompt", DEFAULT_GROUNDED_PROMPT),
        categories=dict(meta.data.get("categories", {})),
        abbreviations=dict(meta.data.get("language", {}).get("abbreviations", {})),
        policy=policy,
        intents=tuple(intents),
        root=root,
        files_hash=hash_files(root),
        checks=checks,
        real_query_intents=real_query_intents,
        documents=documents,
        source=source,
        sizes=dict(meta.data["sizes"]) if "sizes" in meta.data else None,
    )


def _load_real_query_intents(doc: YamlDoc, intents: dict[str, str]) -> dict[str, tuple[str, ...]]:
    validate_schema(doc, "real_queries")
    for category, names in doc.data["categories"].items():
        for j, name in enumerate(names):
            if name not in intents:
                raise doc.error(["categories", category, j], f"'{name}' is not an intent of this domain")
    return {str(category): tuple(names) for category, names in doc.data["categories"].items()}


# Files that feed no dataset or synthetic-test score: the stages that read them key them by their own
# content (the real-query judge by each query's serving intents, the retrieval index by its passages),
# so editing them rebuilds only those stages, not the dataset and everything after it.
NOT_IN_FILES_HASH = {"real_queries.yaml", "documents.yaml"}


def hash_files(root: Path) -> str:
    digest = hashlib.sha256()
    files = (p for p in root.rglob("*") if p.is_file() and p.suffix in {".yaml", ".yml"})
    for path in sorted(p for p in files if p.relative_to(root).as_posix() not in NOT_IN_FILES_HASH):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _load_policy(doc: YamlDoc) -> Policy:
    validate_schema(doc, "policy")
    sections = {}
    for sid, raw in doc.data["sections"].items():
        slots, facts, placeholders = references(raw["passage"])
        for name in slots:
            if name not in raw["facts"]:
                raise doc.error(["sections", sid, "passage"], f"names {{{name}}}, which is not a fact of this section")
        if facts or placeholders:
            raise doc.error(["sections", sid, "passage"], "may only name facts of its own section, as {fact}")
        for name in raw.get("kinds", {}):
            if name not in raw["facts"]:
                raise doc.error(["sections", sid, "kinds", name], "is not a fact of this section")
        passage = render(raw["passage"], raw["facts"], {}).strip()
        sections[sid] = Section(raw["title"], dict(raw["facts"]), passage, dict(raw.get("kinds", {})))
    return Policy(bank=doc.data["bank"], sections=sections)


def _build_intent(doc: YamlDoc, i: int, raw: dict, global_slots: dict, policy: Policy) -> Intent:
    at = ["intents", i]
    slot_pool = {**global_slots, **raw.get("slots", {})}
    used: dict[str, tuple[str, ...]] = {}
    query_slot_sets = []
    for q, text in enumerate(raw["queries"]):
        slots, facts, placeholders = references(text)
        if facts or placeholders:
            raise doc.error([*at, "queries", q], "a user query may only use {slot} references")
        for name in slots:
            values = slot_pool.get(name)
            if not values:
                raise doc.error([*at, "queries", q], f"slot {{{name}}} has no values (define it in slots.yaml)")
            if len(set(values)) < 2:
                raise doc.error(
                    [*at, "queries", q],
                    f"slot {{{name}}} needs at least 2 values so train and test can differ",
                )
            used[name] = tuple(dict.fromkeys(values))
        query_slot_sets.append(set(slots))
    facts_all = policy.facts
    stated: tuple[str, ...] | None = None
    for key in RESPONSE_KEYS:
        for r, text in enumerate(raw[key]):
            slots, facts, _ = references(text)
            for ref in facts:
                if ref not in facts_all:
                    raise doc.error([*at, key, r], f"{{policy.{ref}}} is not a fact in policy.yaml")
            # Every wording states the same facts, so fact recall means the same whichever is the reference.
            if stated is None:
                stated = tuple(dict.fromkeys(facts))
            elif set(facts) != set(stated):
                diff = sorted(set(facts) ^ set(stated))
                raise doc.error(
                    [*at, key, r],
                    f"states other policy facts than responses[0] (differs in {', '.join(diff)}); "
                    "every wording of an intent states the same facts",
                )
            for name in slots:
                missing = [q for q, s in enumerate(query_slot_sets) if name not in s]
                if missing:
                    raise doc.error([*at, key, r], f"slot {{{name}}} is not in every query (query {missing[0]})")
                if any(DIGIT.search(v) for v in used[name]):
                    raise doc.error([*at, key, r], f"slot {{{name}}} has numeric values; responses state no numbers")
            if DIGIT.search(literal_text(text)):
                raise doc.error([*at, key, r], "states a number outside the policy sheet; use a {policy.section.fact}")
    wordings = [text for key in RESPONSE_KEYS for text in raw[key]]
    if len(set(wordings)) < len(wordings):
        raise doc.error([*at, "reference_responses"], "repeats another response of this intent word for word")
    evidence = raw.get("evidence")
    if evidence is not None and evidence not in policy.sections:
        raise doc.error([*at, "evidence"], f"'{evidence}' is not a section of policy.yaml")
    return Intent(
        name=raw["intent"],
        category=doc.data["category"],
        description=raw.get("description", ""),
        queries=tuple(raw["queries"]),
        responses=tuple(raw["responses"]),
        reference_responses=tuple(raw["reference_responses"]),
        calibration_responses=tuple(raw["calibration_responses"]),
        slots=used,
        evidence=evidence,
        checks=dict(raw.get("checks", {})),
        source=f"{doc.path}:{doc.line_of(at)}",
        facts=stated or (),
    )
