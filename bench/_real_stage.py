"""The real-query judge stage in the store: keyed by the sampled queries (ids, text, category, serving
intents), the answers it scores, the intent centroids' wording, the judge and its settings, and the
code. Like the synthetic judge stage, a killed run keeps its judgments and a run
whose judge failed on some requests keeps a resumable partial folder that the next run completes."""

from __future__ import annotations

from pathlib import Path

import synth
from judge._intent import IntentFinder
from judge._real import run_real

from ._judge_stage import answers_digest, earlier_judgments, judged_stage, protocol_code
from ._store import code_hash, home, is_complete, stable_hash
from ._synth_stage import StageOutput

CENTROIDS = (
    "each intent's calibration_responses (a wording never trained on), rendered with the first value of each "
    "slot and the policy sheet's facts"
)


def centroid_examples(domain: synth.Domain) -> list[dict]:
    """The intent finder's examples: every intent's calibration wordings. Not the training replies: a
    tuned model reproduces those, so centroids made of them would favour it over base and retrieval."""
    from synth._render import render

    facts = domain.policy.facts
    return [
        {"intent": intent.name, "response": render(text, {k: v[0] for k, v in intent.slots.items()}, facts).strip()}
        for intent in domain.intents
        for text in intent.calibration_responses
    ]


def real_judge_material(
    domain: synth.Domain, rows: list[dict], answers: dict[str, StageOutput], dataset_content: str, judge: dict, settings
) -> dict:
    return {
        "stage": "real-judge",
        "domain_files": domain.files_hash,
        "queries": stable_hash([[r["id"], r["query"], r["category"], r["serving_intents"]] for r in rows]),
        "answers": {
            name: {"key": out.key, "answers": answers_digest(out.result["records"])} for name, out in answers.items()
        },
        "dataset": dataset_content,  # its test references check the intent finder
        "centroids": CENTROIDS,
        "judge": judge,
        "judge_items": settings.judge_items,
        "seed": settings.seed,
        "code": code_hash("judge", "leaderboard/_stats.py"),
        "protocol_code": protocol_code(),  # which earlier judgments may be reused (earlier_judgments)
    }


def run_real_judge_stage(
    domain: synth.Domain,
    rows: list[dict],
    answers: dict[str, StageOutput],
    dataset: StageOutput,
    endpoint_factory,
    judge_identity: dict,
    settings,
    progress=None,
) -> StageOutput:
    """`settings`: the run's JudgeSettings (judge_items and seed are used)."""
    from datasets import load_from_disk

    material = real_judge_material(domain, rows, answers, dataset.content, judge_identity, settings)
    key = stable_hash(material)
    folder = home() / domain.name / f"real-judge-{key[:12]}"
    if is_complete(folder, key):
        return StageOutput(folder, key, reused=True)
    splits = load_from_disk(str(Path(dataset.path) / "dataset"))
    finder = IntentFinder(centroid_examples(domain))
    check = {**finder.self_check(list(splits["test"])), "centroids": CENTROIDS}
    records = {name: out.result["records"] for name, out in answers.items()}
    reuse = earlier_judgments(domain.name, material)

    def judge(endpoint, work: Path, summary: dict) -> dict:
        result = run_real(
            domain, rows, records, finder, endpoint, work, settings.judge_items, settings.seed, progress, check, reuse
        )
        keep = ("items", "judged_items", "judge_requests", "reused_judgments", "wall_seconds")
        summary.update({k: result[k] for k in keep})
        return result

    return judged_stage(folder, "real-judge", key, material, endpoint_factory, judge)
