"""The domain verifier's training data, from the synthetic dataset's TRAIN split only: rubric
questions (judge/_rubric.py, the very prompts the judge is asked) about known-good and known-bad
answers (judge/_probes.py, every kind but the HELD_OUT ones), each labelled with the answer a
correct judge gives, one token: yes or no.

- Good answers: another training reply of the same intent with the row's slot values, or the
  reference's sentences reordered. The bad kinds that alter a good answer alter either at random.
- Rows with a reference and, for a share of them, without one (the items that need none).
- Swap balance: for every rubric item (and reference mode) half the rows are yes, half no.
- Length balance: each row of the side that flags a defect is matched with a row of the other
  side of the nearest answer length, so answer length alone cannot tell the labels apart.
- Every other rubric question about the same answer too, with its true label (`extra`): the
  answer's prompt is shared, so training reads it once for all its questions (`grouped`, one row
  with `branches`, train/_shared_prefix.py), and the same answer under different questions with
  different labels is what teaches the judge to read the question.
- Disjoint from the test split by construction (train rows, training replies, train query
  templates); `verifier_rows` records each row's source ids and templates so a test can check."""

from __future__ import annotations

import bisect
import random
from dataclasses import asdict, dataclass

from judge import _rubric as rubric
from judge._probes import BAD, GOOD, HELD_OUT, ProbeMaker
from judge._requests import rubric_question
from synth import Domain

from ._wording import reword

TRAINED_KINDS = tuple(k for k in GOOD + BAD if k not in HELD_OUT)
# kinds not reworded: fixed short texts, and a cut answer (a courtesy sentence after it would hide the cut)
UNWORDED = ("empty", "refusal", "truncated")


@dataclass(frozen=True)
class VerifierData:
    examples: int = 800  # training rows (rubric questions), before the validation share
    without_reference: float = 0.25  # share of rows asked without a reference
    validation: float = 0.08  # share of the train split's rows whose questions are kept for validation
    reworded: float = 0.0  # chance the reference shown, and each answer, is reworded (_wording.py); unmeasured
    seed: int = 0

    def to_dict(self) -> dict:
        return asdict(self)


def _candidates(maker: ProbeMaker, domain: Domain, rows: list[dict], settings: VerifierData) -> list[dict]:
    """Every probe answer of every row, with its truths and the reference the judge is shown. By
    chance (`settings.reworded`) that reference and, independently, each answer are reworded
    without changing a fact (`_wording.py`), each text at most once."""
    intents = {i.name: i for i in domain.intents}
    out = []
    for row in rows:
        rng = random.Random(f"wording:{settings.seed}:{row['id']}")
        shown = reword(row["response"], rng) if rng.random() < settings.reworded else row["response"]
        for p in maker.probes(row, TRAINED_KINDS, wordings=intents[row["intent"]].responses, defect_base="mixed"):
            answer = p.answer
            if p.kind not in UNWORDED and rng.random() < settings.reworded:
                answer = reword(answer, rng)
            out.append({"row": row, "reference": shown, "kind": p.kind, "answer": answer, "truth": p.truth,
                        "words": len(answer.split())})  # fmt: skip
    return out


def _balanced(
    pool: list[dict], key: str, defect: str, quota: int, rng: random.Random, close_only: bool = False
) -> list[tuple[dict, str]]:
    """`quota` (candidate, label) pairs for one item: half flag the defect (`defect` is the label a bad
    answer gets), drawn evenly over the answer kinds that have it; each matched with a candidate of
    the other label of the nearest answer length (without replacement). `close_only`: a pair whose
    lengths differ by more than a quarter (and 2 words) is left out rather than kept."""
    flagged = [c for c in pool if c["truth"][key] == defect]
    other = sorted((c for c in pool if c["truth"][key] != defect), key=lambda c: (c["words"], rng.random()))
    by_kind: dict[str, list[dict]] = {}
    for c in flagged:
        by_kind.setdefault(c["kind"], []).append(c)
    for group in by_kind.values():
        rng.shuffle(group)
    picked, kinds = [], sorted(by_kind)
    while len(picked) < quota // 2 and any(by_kind.values()):
        for kind in kinds:
            if by_kind[kind] and len(picked) < quota // 2:
                picked.append(by_kind[kind].pop())
    lengths = [c["words"] for c in other]
    used = [False] * len(other)
    out = []
    clean = "yes" if defect == "no" else "no"
    for c in picked:
        i = bisect.bisect_left(lengths, c["words"])
        lo, hi = i - 1, i
        while lo >= 0 and used[lo]:
            lo -= 1
        while hi < len(other) and used[hi]:
            hi += 1
        if lo < 0 and hi >= len(other):
            break
        j = hi if lo < 0 or (hi < len(other) and lengths[hi] - c["words"] <= c["words"] - lengths[lo]) else lo
        if close_only and abs(lengths[j] - c["words"]) > 2 + c["words"] // 4:
            continue
        used[j] = True
        out += [(c, defect), (other[j], clean)]
    return out


def _example(c: dict, label: str, item: rubric.Item, with_reference: bool, extra: bool = False) -> dict:
    row = c["row"]
    messages = rubric.render(rubric_question(row), c["reference"] if with_reference else None, c["answer"], item)
    return {
        "messages": [*messages, {"role": "assistant", "content": label}],
        "instruction": messages[0]["content"],
        "input": messages[1]["content"],
        "output": label,
        "item": item.name,
        "with_reference": with_reference,
        "kind": c["kind"],
        "label": label,
        "answer_words": c["words"],
        "source_id": row["id"],
        "query_template": row["query_template"],
        "response_template": row["response_template"],
        "group": f"{row['id']}|{c['kind']}|{int(with_reference)}|{c['answer']}",
        "extra": extra,
    }


def verifier_rows(domain: Domain, train_rows: list[dict], settings: VerifierData) -> dict[str, list[dict]]:
    """{"train": [...], "validation": [...]} chat rows (system, user, assistant yes/no) and metadata."""
    rng = random.Random(f"verifier:{settings.seed}")
    rows = sorted(train_rows, key=lambda r: r["id"])
    held = set(rng.sample(range(len(rows)), max(1, round(len(rows) * settings.validation))))
    parts = {
        "train": [r for i, r in enumerate(rows) if i not in held],
        "validation": [r for i, r in enumerate(rows) if i in held],
    }
    out = {}
    for split, split_rows in parts.items():
        maker = ProbeMaker(domain, split_rows, settings.seed)
        pool = _candidates(maker, domain, split_rows, settings)
        total = settings.examples if split == "train" else max(16, round(settings.examples * settings.validation))
        examples, answers = [], {}
        modes = ((True, 1 - settings.without_reference), (False, settings.without_reference))
        for with_reference, share in modes:
            chosen = rubric.items(with_reference)
            quota = round(total * share / len(chosen))
            for item in chosen:
                defect = "no" if item.good == "yes" else "yes"
                key = rubric.truth_key(item, with_reference)
                for c, label in _balanced(pool, key, defect, quota, rng):
                    examples.append(_example(c, label, item, with_reference))
                    answers.setdefault(examples[-1]["group"], (c, with_reference))
        # the other questions about the chosen answers, as balanced as the core: per item half flag
        # the defect, each matched with an answer of the other label of the nearest length
        asked = {(e["group"], e["item"]) for e in examples}
        for with_reference, _ in modes:
            mode = {g: c for g, (c, ref) in answers.items() if ref == with_reference}
            for item in rubric.items(with_reference):
                unasked = [c for g, c in mode.items() if (g, item.name) not in asked]
                defect = "no" if item.good == "yes" else "yes"
                key = rubric.truth_key(item, with_reference)
                for c, label in _balanced(unasked, key, defect, len(unasked), rng, close_only=True):
                    examples.append(_example(c, label, item, with_reference, extra=True))
        rng.shuffle(examples)
        out[split] = examples
    return out


def grouped(examples: list[dict]) -> list[dict]:
    """One training row per answer: its questions as `branches` (rubric order), in first-seen order."""
    order = [i.name for i in rubric.ITEMS]
    groups: dict[str, list[dict]] = {}
    for e in examples:
        groups.setdefault(e["group"], []).append(e)
    return [
        {
            "branches": [e["messages"] for e in sorted(members, key=lambda e: order.index(e["item"]))],
            "group": group,
            "questions": len(members),
        }  # fmt: skip
        for group, members in groups.items()
    ]
