"""`bench run`: synth -> train -> judge -> results for each model, every stage reused when its
key matches, then the domain's leaderboard. One results folder per run under
results/DOMAIN/RUN_ID/: results.json plus the per-sample files it was computed from."""

from __future__ import annotations

import datetime as dt
import json
import resource
import shutil
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import synth
import train
from judge._results import metrics_section
from judge._run import JudgeSettings

from ._judge_stage import run_judge_stage
from ._provenance import provenance
from ._store import read_manifest, stable_hash, swap_in
from ._synth_stage import StageOutput, run_synth_stage
from ._train_stage import recipe_path, run_train_stage

SCHEMA = "domainbench.results/1"
SAMPLE_FILES = ("scores.jsonl", "judgments.jsonl", "pairwise.jsonl", "judge_summary.json")


@dataclass(frozen=True)
class RunPlan:
    domain_dir: Path
    recipe: str = "default"
    models: tuple[str, ...] = ()  # empty: the recipe's base_model
    seed: int = 0
    size: int = 1000
    max_steps: int | None = None
    judge: JudgeSettings = field(default_factory=JudgeSettings)
    results_dir: Path = Path("results")


def run_id(model: str, recipe: str, judge_key: str) -> str:
    slug = "".join(c if c.isalnum() or c in "-." else "-" for c in Path(model).name if c)
    return f"{slug}__{recipe}__{judge_key[:8]}"


def _stage_record(out: StageOutput, seconds: float) -> dict:
    manifest = read_manifest(out.path) or {}
    return {
        "key": out.key,
        "path": str(out.path),
        "reused": out.reused,
        "seconds_this_invocation": round(seconds, 1),
        "summary": manifest.get("summary", {}),
    }


def _peak_rss_mb() -> float:
    """Peak resident memory of this process so far (ru_maxrss, KiB on Linux). The local judge
    server is a separate, small process (the GGUF is about 100 MB) and is not included."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def run_pipeline(plan: RunPlan, endpoint_factory, judge_identity: dict, track=None, report=print) -> list[Path]:
    """Every model through every stage; returns the results.json paths written."""
    domain = synth.load_domain(plan.domain_dir)
    spec = train.load_recipe(recipe_path(plan.domain_dir, plan.recipe)).with_overrides(max_steps=plan.max_steps)
    models = plan.models or (spec.base_model,)
    began = time.perf_counter()
    t = time.perf_counter()
    dataset = run_synth_stage(plan.domain_dir, synth.SynthSettings.sized(plan.size, seed=plan.seed))
    synth_record = _stage_record(dataset, time.perf_counter() - t)
    report(f"synth: {dataset.path} ({'reused' if dataset.reused else 'built'})")
    written = []
    for model in models:
        recipe = spec.with_overrides(base_model=model)
        t = time.perf_counter()
        trained = run_train_stage(domain.name, dataset, recipe, progress=track or False)
        train_record = _stage_record(trained, time.perf_counter() - t)
        report(f"train {model}: {trained.path} ({'reused' if trained.reused else 'trained'})")
        t = time.perf_counter()
        judged = run_judge_stage(domain, dataset, trained, endpoint_factory, judge_identity, plan.judge, None, track)
        judge_record = _stage_record(judged, time.perf_counter() - t)
        report(f"judge {model}: {judged.path} ({'reused' if judged.reused else 'judged'})")
        folder = Path(plan.results_dir) / domain.name / run_id(model, recipe.name, judged.key)
        kept = _unchanged(folder, dataset.key, trained.key, judged.key)
        if kept:  # the same stages: keep the record of the invocation that did the work
            written.append(kept)
            report(f"results: {kept} (unchanged)")
            continue
        results = _results(plan, recipe, dataset, trained, judged, judge_identity)
        results["stages"] = {"synth": synth_record, "train": train_record, "judge": judge_record}
        results["total_seconds_this_invocation"] = round(time.perf_counter() - began, 1)
        results["peak_rss_mb"] = _peak_rss_mb()
        written.append(_write_results(folder, results, judged.path))
        report(f"results: {written[-1]}")
    return written


def _results(plan: RunPlan, recipe, dataset, trained, judged, judge_identity: dict) -> dict:
    metrics = json.loads((trained.path / "metrics.json").read_text())
    summary = json.loads((judged.path / "judge_summary.json").read_text())
    section = metrics_section(judged.path, seed=plan.judge.seed)
    return {
        "schema": SCHEMA,
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "command": " ".join(["bench", *sys.argv[1:]]) if Path(sys.argv[0]).name in ("bench", "__main__.py") else None,
        "domain": plan.domain_dir.name,
        **section,
        "judge": {
            **summary["judge"],
            "identity": judge_identity,
            "calibration": summary["calibration"],
            "calibration_passed": summary["calibration"]["passed"],
        },
        "config": {
            "recipe": {k: v for k, v in recipe.to_dict().items() if k != "description"},
            "model": summary["model"],
            "adapter_sha256": summary["adapter_sha256"],
            "contestants": summary["contestants"],
            "prompt_format": summary["prompt_format"],
            "generation": summary["generation"],
            "judge_settings": asdict(plan.judge),
            "seeds": {"data": plan.seed, "train": recipe.seed, "judge": plan.judge.seed},
            "dataset": {"size": plan.size, "key": dataset.key},
            "train": {
                k: metrics.get(k)
                for k in ("base_eval_loss", "tuned_eval_loss", "eval_rows", "steps", "train_seconds", "peak_rss_mb")
            },
        },
        "task_hashes": {"dataset": dataset.key, "train": trained.key, "judge": judged.key},
        "warnings": summary["warnings"],
        "samples": {name: name for name in SAMPLE_FILES},
        **provenance(),
    }


def _unchanged(folder: Path, *keys: str) -> Path | None:
    path = folder / "results.json"
    try:
        hashes = json.loads(path.read_text()).get("task_hashes", {})
    except (OSError, ValueError):
        return None
    return path if (hashes.get("dataset"), hashes.get("train"), hashes.get("judge")) == keys else None


def _write_results(folder: Path, results: dict, judge_dir: Path) -> Path:
    """Write the run's folder under a temporary name and swap it in, so it is never half-written."""
    tmp = folder.parent / f".{folder.name}.partial"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for name in SAMPLE_FILES:
        if (judge_dir / name).is_file():
            shutil.copy2(judge_dir / name, tmp / name)
    results["results_hash"] = stable_hash({k: results[k] for k in ("results", "comparisons", "pairwise")})
    (tmp / "results.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    swap_in(tmp, folder)
    return folder / "results.json"
