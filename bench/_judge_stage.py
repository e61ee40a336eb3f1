"""The judge stage in the store: keyed by the trained adapter, the judge and its settings; a
killed run keeps its answers and judgments and continues where it stopped."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import synth
from judge._client import JudgeEndpoint
from judge._run import JudgeSettings
from judge._run import run as judge_run

from ._store import atomic_output, code_hash, home, is_complete, stable_hash
from ._synth_stage import StageOutput


def judge_material(train: StageOutput, settings: JudgeSettings, judge: dict) -> dict:
    return {
        "stage": "judge",
        "train": train.key,
        "settings": asdict(settings),
        "judge": judge,
        "code": code_hash("judge"),
    }


def run_judge_stage(
    domain: synth.Domain,
    dataset: StageOutput,
    train: StageOutput,
    endpoint_factory,
    judge_identity: dict,
    settings: JudgeSettings,
    out: Path | None = None,
    progress=None,
) -> StageOutput:
    """`endpoint_factory()` is a context manager yielding a JudgeEndpoint (it may start a server)."""
    material = judge_material(train, settings, judge_identity)
    key = stable_hash(material)
    folder = Path(out) if out else home() / domain.name / f"judge-{key[:12]}"
    if is_complete(folder, key):
        return StageOutput(folder, key, reused=True)
    summary: dict = {}
    with atomic_output(
        folder, "judge", key, material, resumable=True, summary=summary, resume_marker="answers_base.jsonl"
    ) as work:
        with endpoint_factory() as endpoint:
            assert isinstance(endpoint, JudgeEndpoint)
            result = judge_run(domain, dataset.path, train.path, endpoint, work, settings, progress)
        summary.update(
            {k: result[k] for k in ("items", "identical_fraction", "warnings", "wall_seconds", "process_peak_rss_mb")}
        )
        summary["calibration_passed"] = result["calibration"]["passed"]
    return StageOutput(folder, key, reused=False, result=result)
