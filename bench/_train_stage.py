"""The train stage in the store: keyed by the dataset, recipe, model hash and code; a killed
run resumes from its checkpoints, a finished one is reused."""

from __future__ import annotations

from pathlib import Path

import train

from ._store import atomic_output, code_hash, home, is_complete, partial_dir, rank, stable_hash
from ._synth_stage import StageOutput


def recipe_path(domain_dir: Path, recipe: str) -> Path:
    """A path to a recipe file, or a recipe name: the domain's own benchmarks/DOMAIN/recipes/NAME.yaml
    where it has one, else the shared train/recipes/NAME.yaml."""
    as_path = Path(recipe)
    if as_path.suffix in (".yaml", ".yml") and as_path.is_file():
        return as_path
    found = train.find_recipe(recipe, Path(domain_dir))
    if found is None:
        known = ", ".join(sorted(train.recipe_paths(Path(domain_dir)))) or "none"
        where = f"neither {Path(domain_dir) / 'recipes'} nor {train.RECIPES} has it"
        raise train.TrainError(f"unknown recipe '{recipe}' ({where}; known: {known})")
    return found


def train_material(dataset_content: str, recipe: train.Recipe, model_sha: str, merge: bool) -> dict:
    # what changes the adapter: not the description, the declared differences (documentation) or `merge`,
    # which is the material's own entry (the recipe's or the command line's)
    settings = {
        k: v for k, v in recipe.to_dict().items() if k not in ("description", "overrides", "differences", "merge")
    }
    return {
        "stage": "train",
        "data": dataset_content,  # the dataset's bytes (synth StageOutput.content)
        "recipe": settings,
        "model_sha256": model_sha,
        "merge": merge,
        "code": code_hash("train"),
    }


def run_train_stage(
    domain: str,
    dataset: StageOutput,
    recipe: train.Recipe,
    merge: bool = False,
    out: Path | None = None,
    progress=True,
) -> StageOutput:
    source = train.resolve_model(recipe.base_model)
    merge = merge or recipe.merge
    material = train_material(dataset.content, recipe, source.sha256, merge)
    key = stable_hash(material)
    folder = Path(out) if out else home() / domain / f"train-{key[:12]}"
    if is_complete(folder, key):
        return StageOutput(folder, key, reused=True)
    if rank() > 0:  # every rank trains; rank 0 alone writes and finalizes the stage folder
        work = partial_dir(folder, key)
        work.mkdir(parents=True, exist_ok=True)
        train.run(dataset.path, recipe, work, merge=False, progress=False)
        return StageOutput(folder, key, reused=False, result=None)
    summary: dict = {}
    with atomic_output(folder, "train", key, material, resumable=True, summary=summary) as work:
        metrics = train.run(dataset.path, recipe, work, merge=merge, progress=progress)
        summary.update(
            {
                k: metrics[k]
                for k in (
                    "wall_seconds",
                    "train_seconds",
                    "peak_rss_mb",
                    "base_eval_loss",
                    "tuned_eval_loss",
                    "steps",
                    "world_size",
                )
            }
        )
        summary["model"] = metrics["model"]
    return StageOutput(folder, key, reused=False, result=metrics)
