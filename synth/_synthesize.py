"""The synth stage's computation: generate, filter, split, decontaminate. No I/O here."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from ._decontaminate import decontaminate, final_report, response_report
from ._domain import Domain
from ._generate import candidates, quotas
from ._settings import SynthSettings
from ._split import HeldOut, hold_out
from ._variation import load_language
from .filters import build_filters, load_token_counter, run_filters

SPLITS = ("train", "validation", "test")


@dataclass
class SynthResult:
    domain: Domain
    settings: SynthSettings
    splits: dict[str, list[dict]]
    filters: dict[str, list[dict]]  # pool name -> per-filter report
    decontamination: dict  # final report on the saved splits, plus rows dropped before selection
    held_out: HeldOut
    shortfalls: dict[str, dict[str, int]]  # split -> intent -> rows missing from its quota
    token_unit: str


def synthesize(domain: Domain, settings: SynthSettings, progress: Callable[[str], None] | None = None) -> SynthResult:
    """Build train / validation / test rows for `domain`; the same settings give the same rows."""
    progress = progress or (lambda step: None)
    lang = load_language(domain.abbreviations)
    held = hold_out(domain, settings.seed, settings.test_template_fraction)
    count, unit = load_token_counter(settings.filters.tokenizer)
    names = [i.name for i in domain.intents]
    q_train = quotas(settings.train_size, names)
    q_val = quotas(settings.validation_size, names)
    q_test = quotas(settings.test_size, names)

    def pool(side: str, want: dict[str, int]) -> list[dict]:
        rows = []
        for intent in domain.intents:
            n = math.ceil(want[intent.name] * settings.oversample) + 1
            rows += candidates(domain, intent, held, side, n, settings.seed, lang, settings.variation)
        return rows

    progress("generating train and validation candidates")
    seen_side = pool("train", {k: q_train[k] + q_val[k] for k in names})
    progress("filtering")
    kept, report_tv = run_filters(seen_side, build_filters(settings.filters, count, unit))
    by_intent = _group(kept)
    train, validation, shortfalls = [], [], {"train": {}, "validation": {}, "test": {}}
    for name in names:
        rows = by_intent.get(name, [])
        validation += rows[: q_val[name]]
        train += rows[q_val[name] : q_val[name] + q_train[name]]
        _short(shortfalls, "validation", name, q_val[name], len(rows))
        _short(shortfalls, "train", name, q_train[name], len(rows) - q_val[name])

    progress("generating held-out test candidates")
    test_pool, report_test = run_filters(pool("test", q_test), build_filters(settings.filters, count, unit))
    progress("decontaminating")
    seen = train + validation
    test_pool, reasons = decontaminate(
        seen,
        test_pool,
        settings.decontamination_ngram,
        settings.decontamination_threshold,
        settings.decontamination_similarity,
    )
    dropped = sum(reasons.values())
    report_test.append(
        {
            "filter": f"decontamination ({settings.decontamination_ngram}-gram overlap, or similarity >= "
            f"{settings.decontamination_similarity}, vs train and validation)",
            "in": len(test_pool) + dropped,
            "dropped": dropped,
            "reasons": reasons,
        }
    )
    by_intent = _group(test_pool)
    test = []
    for name in names:
        rows = by_intent.get(name, [])
        test += rows[: q_test[name]]
        _short(shortfalls, "test", name, q_test[name], len(rows))

    splits = {"train": train, "validation": validation, "test": test}
    for split, rows in splits.items():
        for i, row in enumerate(rows):
            row["id"] = f"{domain.name}-{split}-{i:05d}"
            row["split"] = split
    final = final_report(seen, test, settings.decontamination_ngram, settings.decontamination_threshold,
                         settings.decontamination_similarity, reasons)  # fmt: skip
    final["responses"] = response_report(seen, test, settings.response_decontamination_ngram)
    return SynthResult(
        domain=domain,
        settings=settings,
        splits=splits,
        filters={"train+validation": report_tv, "test": report_test},
        decontamination=final,
        held_out=held,
        shortfalls={k: v for k, v in shortfalls.items() if v},
        token_unit=unit,
    )


def _group(rows: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for row in rows:
        out.setdefault(row["intent"], []).append(row)
    return out


def _short(shortfalls: dict, split: str, intent: str, want: int, have: int) -> None:
    if have < want:
        shortfalls[split][intent] = want - max(have, 0)
