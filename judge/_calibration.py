"""Judge calibration, every run, on probes the judge could not have been tuned to: test rows only,
one per intent (seeded), each with known-good answers that are never the reference the judge is
shown (the intent's calibration wording with the row's slots, and the reference's sentences
reordered) and one known-bad answer of every kind in `_probes.BAD`; the kinds that alter an answer
(a wrong fact, an inserted amount, contact or credential request, a cut) alter the reference, so
they look better than the good answers to anything that compares wording.

Reported: accuracy = the share of (good, bad) pairs of a probe row in which the judge scores the
good answer strictly above the bad one (a pair with an unscored side counts as wrong), overall and
per bad kind, each with a 95% CI that resamples probe rows (one intent each); the same accuracy for
two baselines on the same probes, cosine similarity to the reference and answer length (longer
ranked higher); the unscored rate; and, when pairwise judging ran, position consistency on the real
tuned-vs-base pairs. PASS_MARK is the one place the pass mark is written."""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass

from synth import Domain

from . import _rubric as rubric
from ._probes import BAD, GOOD, HELD_OUT, ProbeMaker
from ._requests import rubric_question, single_request


@dataclass(frozen=True)
class PassMark:
    min_accuracy: float = 0.80  # overall: good rated above bad
    min_held_out_accuracy: float = 0.70  # on each bad kind the domain verifier never trained on
    above_baselines: bool = True  # overall accuracy above cosine's and length's on the same probes
    max_unscored: float = 0.10  # of the judge's calibration judgments


PASS_MARK = PassMark()


def probe_rows(rows: list[dict], n: int, seed: int) -> list[dict]:
    """Up to n test rows, one per intent (the intents drawn at random, seeded, if n is smaller)."""
    rng = random.Random(f"calibration:{seed}")
    by_intent: dict[str, list[dict]] = {}
    for row in rows:
        by_intent.setdefault(row["intent"], []).append(row)
    intents = sorted(by_intent)
    rng.shuffle(intents)
    return [rng.choice(by_intent[name]) for name in sorted(intents[:n])]


def make_probes(domain: Domain, rows: list[dict], n: int, seed: int) -> list[dict]:
    """[{"row": test row, "answers": {kind: Probe}}] for up to n probe rows."""
    maker = ProbeMaker(domain, rows, seed)
    # The bad kinds that alter a good answer alter the reference itself: superficially the best answer
    # there is (cosine to the reference near 1), wrong in one place.
    return [
        {"row": row, "answers": {p.kind: p for p in maker.probes(row, defect_base="reference")}}
        for row in probe_rows(rows, n, seed)
    ]


def _rid(i: int, kind: str) -> str:
    return f"cal{i}:{kind}"


def calibration_requests(probes: list[dict], protocol: str) -> list:
    """Every probe answer judged alone, as the real answers are. Ids `cal<i>:<kind>` (rating) or
    `cal<i>:<kind>:<rubric item>` (rubric)."""
    requests = []
    for i, probe in enumerate(probes):
        row = probe["row"]
        meta = {"calibration": True, "question_id": row["id"]}
        for kind, p in probe["answers"].items():
            if protocol == "rubric":
                requests += rubric.requests(
                    _rid(i, kind), rubric_question(row), row["response"], p.answer, {**meta, "probe": kind}
                )
            else:
                requests.append(single_request(_rid(i, kind), row, p.answer, {**meta, "probe": kind}))
    return requests


def probe_scores(probes: list[dict], judged: dict[str, dict], protocol: str) -> dict[str, float | None]:
    """`cal<i>:<kind>` -> the judge's score of that probe answer (None: unscored)."""
    scores = {}
    for i, probe in enumerate(probes):
        for kind in probe["answers"]:
            rid = _rid(i, kind)
            if protocol == "rubric":
                recs = {item.name: judged.get(f"{rid}:{item.name}") or {} for item in rubric.ITEMS}
                scores[rid] = rubric.combine(recs)["judge_score"]
            else:
                scores[rid] = (judged.get(rid) or {}).get("parsed")
    return scores


def _pairs(probes: list[dict], score) -> dict[str, tuple[list[float], list[str]]]:
    """bad kind -> (1.0/0.0 per good-vs-bad pair, its probe row's intent), plus "overall"."""
    out: dict[str, tuple[list[float], list[str]]] = {kind: ([], []) for kind in (*BAD, "overall")}
    for i, probe in enumerate(probes):
        goods = [k for k in GOOD if k in probe["answers"]]
        for bad in (k for k in BAD if k in probe["answers"]):
            for good in goods:
                g, b = score(i, good), score(i, bad)
                right = 1.0 if g is not None and b is not None and g > b else 0.0
                for key in (bad, "overall"):
                    out[key][0].append(right)
                    out[key][1].append(probe["row"]["intent"])
    return out


def _accuracy(probes: list[dict], score, seed: int, label: str) -> dict:
    from leaderboard._stats import describe

    table = {}
    for kind, (values, clusters) in _pairs(probes, score).items():
        d = describe(values, clusters, seed, f"calibration:{label}:{kind}")
        table[kind] = {"accuracy": d["mean"], "ci95": d["ci95"], "pairs": d["n"], "probe_rows": d["k"]}
    return table


def baseline_scores(probes: list[dict], embedder=None) -> dict[str, dict[str, float]]:
    """cosine to the reference, and length in words, of every probe answer."""
    from ._similarity import cosine_scores

    ids, answers, refs = [], [], []
    for i, probe in enumerate(probes):
        for kind, p in probe["answers"].items():
            ids.append(_rid(i, kind))
            answers.append(p.answer)
            refs.append(probe["row"]["response"])
    cos = cosine_scores(answers, refs, embedder) if ids else []
    return {
        "cosine": dict(zip(ids, cos, strict=True)),
        "length": {rid: float(len(a.split())) for rid, a in zip(ids, answers, strict=True)},
    }


def position_consistency(pair_outcomes: list[dict]) -> dict | None:
    """On the real tuned-vs-base pairs: the share whose two verdicts (positions swapped) name the
    same winner or both a tie, of the pairs with both verdicts scored."""
    both = [p for p in pair_outcomes if None not in p["verdicts"]]
    if not pair_outcomes:
        return None
    same = 0
    for p in both:
        first_a = p["position_a_first"]
        first_b = "base" if first_a == "tuned" else "tuned"
        one = {"A": first_a, "B": first_b, "C": "tie"}[p["verdicts"][0]]
        two = {"A": first_b, "B": first_a, "C": "tie"}[p["verdicts"][1]]
        same += one == two
    return {"pairs": len(pair_outcomes), "scored": len(both), "consistency": same / len(both) if both else None}


def calibrate(
    probes: list[dict],
    judged: dict[str, dict],
    protocol: str,
    seed: int = 0,
    pair_outcomes: list[dict] | None = None,
    embedder=None,
    mark: PassMark = PASS_MARK,
) -> dict:
    scores = probe_scores(probes, judged, protocol)
    judge = _accuracy(probes, lambda i, k: scores.get(_rid(i, k)), seed, "judge")
    baselines = {
        name: _accuracy(probes, lambda i, k, v=values: v.get(_rid(i, k)), seed, name)
        for name, values in baseline_scores(probes, embedder).items()
    }
    calls = [r for r in judged.values() if r.get("calibration") and r["status"] in ("ok", "unscored")]
    unscored = sum(r["status"] == "unscored" for r in calls) / len(calls) if calls else 1.0
    answers = sum(len(p["answers"]) for p in probes)
    overall = judge["overall"]["accuracy"]  # None: no pair could be made
    measured = overall or 0.0
    held = {k: judge[k]["accuracy"] for k in HELD_OUT}  # None: not measured, which does not pass
    checks = {
        "accuracy": measured >= mark.min_accuracy,
        "held_out": all(v is not None and v >= mark.min_held_out_accuracy for v in held.values()),
        "baselines": not mark.above_baselines
        or all(measured > (b["overall"]["accuracy"] or 0.0) for b in baselines.values()),
        "unscored": unscored <= mark.max_unscored,
    }
    return {
        "protocol": protocol,
        "probe_rows": len(probes),
        "probe_answers": answers,
        "good_kinds": list(GOOD),
        "bad_kinds": list(BAD),
        "held_out_kinds": list(HELD_OUT),
        "accuracy": overall,
        "by_kind": judge,
        "baselines": baselines,
        "unscored_rate": unscored,
        "position_consistency": position_consistency(pair_outcomes or []),
        "pass_mark": asdict(mark),
        "checks": checks,
        "passed": all(checks.values()),
        "probe_scores": scores,
    }
