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
- Minimal pairs (`minimal_pairs`, on): an altered answer is matched instead with the good answer
  of its row that differs from it by the defect alone: an inserted amount, contact or credential
  request with the same answer holding a courtesy sentence in that place (`courtesy_twin`, a good
  kind made only here), a changed fact or a cut with the answer it altered. Matched by length
  alone, a copy of the reference with a contact inserted or cut short was paired with any answer
  of about its length, and the verifier at 8844ffe rated such copies as well as a correct answer
  in other words (README, "The domain verifier").
- Near misses drawn more often (`near_miss_weight`, 3): when the rows that flag a defect are picked,
  each kind that alters a good answer in one place (a swapped fact, an inserted sentence, a cut) is
  drawn three times for each draw of a whole-answer defect (another intent's answer, an empty answer,
  a refusal), which several questions flag at once anyway.
- Copy balance (`copy_balance`, off by default): the match is the nearest in answer length AND in
  the share of the answer's words found in the reference shown (`copied`). Without it, "reads like
  the reference" orders the labels of the unsupported, refusal and secret questions (a near copy of
  the reference with one fact changed reads as good, a correct answer in other words as bad); with
  it, those no longer, and "complete" less (an empty or off-topic answer shares no words with any
  good one). Measured both ways in the README ("The domain verifier").
- Every other rubric question about the same answer too, with its true label (`extra`): the
  answer's prompt is shared, so training reads it once for all its questions (`grouped`, one row
  with `branches`, train/_shared_prefix.py), and the same answer under different questions with
  different labels is what teaches the judge to read the question.
- Disjoint from the test split by construction (train rows, training replies, train query
  templates); `verifier_rows` records each row's source ids and templates so a test can check."""

from __future__ import annotations

import math
import random
import re
from dataclasses import asdict, dataclass

from judge import _rubric as rubric
from judge._probes import ALTERING, BAD, GOOD, HELD_OUT, INSERTING, TRAINING_ONLY, ProbeMaker, _refuses, _truth
from judge._requests import rubric_question
from judge._wording import reword
from synth import Domain

TRAINED_KINDS = tuple(k for k in GOOD + BAD if k not in HELD_OUT) + TRAINING_ONLY
# a good answer made only here, as the partner of an inserted-sentence answer (`minimal_pairs`)
TWIN = "courtesy_twin"
# kinds not reworded: fixed short texts, and a cut answer (a courtesy sentence after it would hide the cut)
UNWORDED = ("empty", "refusal", "truncated")
WORD = re.compile(r"[a-z0-9£$€%]+")


def copied(answer: str, reference: str) -> float:
    """The share of the answer's distinct words (lower case, digits kept) that occur in the reference:
    1.0 for a reordered or cut copy, lower for other wording or added sentences. A set ratio of
    two lines, so no library."""
    words = set(WORD.findall(answer.lower()))
    return len(words & set(WORD.findall(reference.lower()))) / len(words) if words else 0.0


@dataclass(frozen=True)
class VerifierData:
    examples: int = 1200  # core training rows (rubric questions), before the validation share and the extra questions
    without_reference: float = 0.25  # share of rows asked without a reference
    validation: float = 0.08  # share of the train split's rows whose questions are kept for validation
    # chance the reference shown, and each answer, is reworded (_wording.py); off: 0.5 measured worse
    # (0.60 of the 384 calibration pairs against 0.68 without; README, "The domain verifier"). Each answer is
    # reworded on its own, so with it a minimal pair (`minimal_pairs`) can differ by more than its defect
    reworded: float = 0.0
    # match rows on the answer's share of words from the reference too (where `minimal_pairs` finds no partner):
    # off, measured (README, "The domain verifier"): it lifts the near misses (swapped fact 0.49 -> 0.76) but
    # not the overall 0.68 (0.60)
    copy_balance: bool = False
    # match each altered answer with the good answer it alters (`_balanced`), so that a pair differs by the
    # defect alone: the verifier at 8844ffe rated a copy of the reference with a contact, amount or fact
    # changed, or cut short, as well as or better than a correct answer in other words (README)
    minimal_pairs: bool = True
    # draws of a near miss (a kind in ALTERING: a wrong fact, an inserted sentence, a cut) for each draw of
    # another bad kind, when the core rows that flag a defect are picked (the extra questions follow the
    # answers picked): a whole-answer defect (another intent's answer, an empty one, a refusal) is flagged by
    # several questions at once and differs from a good answer everywhere, a near miss by one sentence or
    # value. Unsupported-fact rows with a reference that flag a defect, near misses among them, default data:
    # weight 1 and 800 examples, 36 of 60 core rows and 57 of 169 with the extra questions; weight 3 and
    # 1,200 examples, 74 of 90 and 117 of 253
    near_miss_weight: int = 3
    seed: int = 0

    def __post_init__(self) -> None:
        if self.near_miss_weight < 1:  # a kind never drawn would leave the draw in `_balanced` waiting on it
            raise ValueError(f"VerifierData.near_miss_weight must be at least 1, not {self.near_miss_weight}")

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
        # a domain made from a source has no intents: no other wording of the reply, only reordered good answers
        wordings = intents[row["intent"]].responses if row["intent"] in intents else ()
        made = []
        for p in maker.probes(row, TRAINED_KINDS, wordings=wordings, defect_base="mixed"):
            answer = p.answer
            if p.kind not in UNWORDED and rng.random() < settings.reworded:
                answer = reword(answer, rng)
            made.append({"row": row, "reference": shown, "kind": p.kind, "answer": answer, "truth": p.truth,
                         "words": len(answer.split()), "copied": copied(answer, shown),
                         "altered": p.altered})  # fmt: skip
        # an altered answer's partner, a good answer of the row that differs from it by the defect alone:
        # for an inserted sentence, the same answer with a courtesy sentence there instead (a good kind of
        # its own, TWIN); for a changed fact or a cut, the alternative it altered or, where it altered the
        # reference, the reference's sentences reordered
        good = {c["kind"]: c for c in made if c["kind"] in ("alternative", "reordered")}
        row_refuses = _refuses(domain, row["intent"])
        twins: dict[str, dict] = {}  # answer -> twin: two inserting kinds can draw the same place and sentence
        for c in made:
            altered = c.pop("altered")
            c["partner"] = None
            if not settings.minimal_pairs or not altered:
                continue
            partner = good.get({"alternative": "alternative", "reference": "reordered"}[altered])
            c["partner"] = partner["answer"] if partner else None
            if c["kind"] in INSERTING:
                twin = maker.courtesy_twin(row, c["kind"], good["alternative"]["answer"] if altered == "alternative"
                                           else None)  # fmt: skip
                c["partner"] = twin
                # a good answer's truths (the same for every good kind)
                truth = _truth("alternative", row_refuses, row_refuses, False)
                twins.setdefault(twin, {**c, "kind": TWIN, "answer": twin, "truth": truth, "words": len(twin.split()),
                                        "copied": copied(twin, shown), "partner": None})  # fmt: skip
        out += made + list(twins.values())
    return out


def _distance(a: dict, b: dict, copy_balance: bool) -> float:
    """How far apart two answers are for matching: answer length in words; with `copy_balance`,
    relative length plus the difference in the share copied from the reference shown (each about
    0 to 1 for the answers that matter)."""
    if not copy_balance:
        return abs(a["words"] - b["words"])
    return abs(math.log1p(a["words"]) - math.log1p(b["words"])) + abs(a["copied"] - b["copied"])


def _balanced(
    pool: list[dict],
    key: str,
    defect: str,
    quota: int,
    rng: random.Random,
    close_only: bool = False,
    copy_balance: bool = False,
    minimal_pairs: bool = False,
    weights: dict[str, int] | None = None,
) -> list[tuple[dict, str]]:
    """`quota` (candidate, label) pairs for one item: half flag the defect (`defect` is the label a bad
    answer gets), drawn in turn over the answer kinds that have it, `weights[kind]` (default 1) at a
    turn; each matched with the nearest candidate of the other label (`_distance`: answer length, and
    with `copy_balance` the share copied from the reference), without replacement. `minimal_pairs`: an
    altered answer (a wrong fact, an inserted sentence, a cut) is matched with its `partner`, the good
    answer it differs from by the defect alone, while that one is free. `close_only`: a pair whose
    lengths differ by more than a quarter (and 2 words), or whose copied shares by more than 0.2, is
    left out."""
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
            for _ in range((weights or {}).get(kind, 1)):
                if by_kind[kind] and len(picked) < quota // 2:
                    picked.append(by_kind[kind].pop())
    free = list(range(len(other)))
    taken: set[int] = set()
    where = {(o["row"]["id"], o["answer"]): j for j, o in enumerate(other)}
    out = []
    clean = "yes" if defect == "no" else "no"
    for c in picked:
        if not free:
            break

        def rank(k: int, c: dict = c) -> tuple:  # the nearest; on a tie, the first at least as long
            o = other[free[k]]
            return (_distance(c, o, copy_balance), *((0, k) if o["words"] >= c["words"] else (1, -k)))

        j = where.get((c["row"]["id"], c["partner"])) if minimal_pairs and c["partner"] else None
        at = free.index(j) if j is not None and j not in taken else min(range(len(free)), key=rank)
        match = other[free[at]]
        if close_only and (abs(match["words"] - c["words"]) > 2 + c["words"] // 4
                           or (copy_balance and abs(match["copied"] - c["copied"]) > 0.2)):  # fmt: skip
            continue
        taken.add(free.pop(at))
        out += [(c, defect), (match, clean)]
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
        "copied": round(c["copied"], 4),
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
    weights = dict.fromkeys(ALTERING, settings.near_miss_weight)
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
                balanced = _balanced(pool, key, defect, quota, rng, copy_balance=settings.copy_balance,
                                     minimal_pairs=settings.minimal_pairs, weights=weights)  # fmt: skip
                for c, label in balanced:
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
                for c, label in _balanced(unasked, key, defect, len(unasked), rng, True, settings.copy_balance):
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
