"""The answers stage in the store: one folder per contestant and set of test items, keyed by what
decides the answers (model and adapter hashes, prompt format and ids, generation settings and
code), never by the judge, so a new judge or judge setting re-uses every answer. An endpoint
contestant whose calls failed leaves a resumable partial folder; the next run asks only those."""

from __future__ import annotations

from pathlib import Path

import answers

from ._store import Unfinished, atomic_output, code_hash, home, is_complete, read_manifest, stable_hash
from ._synth_stage import StageOutput


def answers_material(plan: answers.AnswerPlan) -> dict:
    # the answers' own code, and how a model is loaded (dtype, device) for answering
    return {"stage": "answers", **plan.material, "code": code_hash("answers", "train/_model.py")}


def run_answers_stage(
    domain: str, name: str, plan: answers.AnswerPlan, out: Path | None = None, progress=None
) -> StageOutput:
    """`name` labels the progress bar and the summary only (the same model answers the same way
    whatever it is called). The result is the answers summary with its records."""
    material = answers_material(plan)
    key = stable_hash(material)
    folder = Path(out) if out else home() / domain / f"answers-{key[:12]}"
    if is_complete(folder, key):
        summary = answers.run(plan, folder)  # every answer is on file: nothing is generated
        summary["stage_summary"] = (read_manifest(folder) or {}).get("summary", {})
        return StageOutput(folder, key, reused=True, result=summary)
    advance = progress(f"answers: {name}", len(plan.rows)) if progress else None
    summary: dict = {}
    with atomic_output(
        folder, "answers", key, material, resumable=True, summary=summary, resume_marker="answers.jsonl"
    ) as work:
        result = answers.run(plan, work, advance)
        summary.update({k: v for k, v in result.items() if k != "records"})
        summary["contestant"] = name
        if result["failed"]:
            raise Unfinished
    if result["failed"]:
        return StageOutput(work, key, reused=False, result=result, complete=False)
    return StageOutput(folder, key, reused=False, result=result)
