"""The verifier stage in the store: a domain verifier keyed by the dataset (so the domain's files
and synth settings), the verifier's data settings and recipe, the base model's hash and the code
that makes its data and trains it. Only the first run pays for the training; a killed run resumes
from its checkpoints."""

from __future__ import annotations

from pathlib import Path

import synth
import train
import verifier

from ._store import atomic_output, code_hash, home, is_complete, stable_hash
from ._synth_stage import StageOutput


def verifier_material(
    domain_files: str, dataset_content: str, recipe: train.Recipe, settings: verifier.VerifierData, model_sha: str
) -> dict:
    return {
        "stage": "verifier",
        "domain_files": domain_files,  # the probes' other intents, facts and contacts
        "data": dataset_content,  # the train split's bytes (synth StageOutput.content)
        "verifier_data": settings.to_dict(),
        "recipe": {k: v for k, v in recipe.to_dict().items() if k not in ("description", "differences", "merge")},
        "model_sha256": model_sha,
        "code": code_hash(
            "verifier", "judge/_probes.py", "judge/_wording.py", "judge/_rubric.py", "judge/_requests.py", "train"
        ),
    }


def load_verifier_recipe(path: Path | None = None, model: str | None = None) -> train.Recipe:
    return train.load_recipe(Path(path) if path else verifier.DEFAULT_RECIPE).with_overrides(base_model=model)


def run_verifier_stage(
    domain: synth.Domain,
    dataset: StageOutput,
    recipe: train.Recipe,
    settings: verifier.VerifierData | None = None,
    progress=False,
) -> StageOutput:
    settings = settings or verifier.VerifierData()
    source = train.resolve_model(recipe.base_model)
    material = verifier_material(domain.files_hash, dataset.content, recipe, settings, source.sha256)
    key = stable_hash(material)
    folder = home() / domain.name / f"verifier-{key[:12]}"
    if is_complete(folder, key):
        return StageOutput(folder, key, reused=True)
    summary: dict = {}
    with atomic_output(folder, "verifier", key, material, resumable=True, summary=summary) as work:
        result = verifier.build(domain, dataset.path, recipe, settings, work, progress=progress)
        summary.update({k: result[k] for k in ("examples", "seconds")}, train_seconds=result["train"]["train_seconds"])
    return StageOutput(folder, key, reused=False, result=result)
