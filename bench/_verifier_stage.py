"""The verifier stage in the store: a domain verifier keyed by the dataset (so the domain's files
and synth settings), the verifier's data settings and recipe, the base model's hash and the code
that makes its data and trains it. Only the first run pays for the training; a killed run resumes
from its checkpoints.

A domain may ship its verifier, trained once, as a prebuilt stage: `<domain>/prebuilt/verifier-<key>/`
(`bench verifier ship DOMAIN` writes it). When the store lacks the stage and the domain ships one of the
same key, its files (checked against the sha256 in its `shipped.json`) are copied into the store and used
as if trained here; the manifest keeps where and when it was trained. A shipped folder of another key
(the code, data or recipe changed since) is never used: the stage is trained, and the line says why."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import synth
import train
import verifier
from train._hashing import sha256_file

from ._store import (
    MANIFEST,
    StoreError,
    atomic_output,
    code_hash,
    home,
    is_complete,
    partial_dir,
    stable_hash,
    swap_in,
)
from ._synth_stage import StageOutput

SHIPPED_DIR = "prebuilt"  # in a domain's folder
SHIPPED_INFO = "shipped.json"
# what a shipped verifier holds: what the judge serves (lora.gguf), the PEFT adapter (for transformers,
# vLLM), and the record of its training; not its training rows (remade from the dataset) or checkpoints
SHIPPED_FILES = (
    MANIFEST,
    "verifier.json",
    "metrics.json",
    "train_log.jsonl",
    verifier.LORA_FILE,
    "adapter/adapter_config.json",
    "adapter/adapter_model.safetensors",
)
REQUIRED_FILES = (MANIFEST, verifier.LORA_FILE, "adapter/adapter_config.json", "adapter/adapter_model.safetensors")


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


def verifier_key(
    domain: synth.Domain, dataset: StageOutput, recipe: train.Recipe, settings: verifier.VerifierData
) -> tuple[str, dict]:
    """(key, material) of the verifier stage for this dataset, recipe and data settings."""
    source = train.resolve_model(recipe.base_model)
    material = verifier_material(domain.files_hash, dataset.content, recipe, settings, source.sha256)
    return stable_hash(material), material


def run_verifier_stage(
    domain: synth.Domain,
    dataset: StageOutput,
    recipe: train.Recipe,
    settings: verifier.VerifierData | None = None,
    progress=False,
    use_shipped: bool = True,
) -> StageOutput:
    """The verifier stage of this key: from the store, else the domain's shipped one of the same key
    (`use_shipped`), else trained (resuming from its checkpoints)."""
    settings = settings or verifier.VerifierData()
    key, material = verifier_key(domain, dataset, recipe, settings)
    folder = home() / domain.name / f"verifier-{key[:12]}"
    if is_complete(folder, key):
        return StageOutput(folder, key, reused=True)
    shipped = install_shipped(domain.root, key, folder) if use_shipped else None
    if shipped is not None:
        return StageOutput(folder, key, reused=True, shipped=shipped)
    summary: dict = {}
    with atomic_output(folder, "verifier", key, material, resumable=True, summary=summary) as work:
        result = verifier.build(domain, dataset.path, recipe, settings, work, progress=progress)
        summary.update({k: result[k] for k in ("examples", "seconds")}, train_seconds=result["train"]["train_seconds"])
    return StageOutput(folder, key, reused=False, result=result)


def verifier_line(stage: StageOutput, domain_root: Path) -> str:
    """How the stage came to be, for the run's stage line."""
    if stage.shipped:
        summary = json.loads((stage.path / MANIFEST).read_text(encoding="utf-8")).get("summary") or {}
        trained = summary.get("train_seconds")
        when = f"; trained once, in {trained:,.0f} s" if trained else ""
        return f"shipped with the domain ({stage.shipped}{when})"
    if stage.reused:
        return "reused"
    stale = [p.name for p in shipped_folders(domain_root)]
    return "trained" + (f"; the domain ships {', '.join(stale)}, made from other code, data or recipe" if stale else "")


def shipped_folders(domain_root: Path) -> list[Path]:
    return sorted(p for p in (Path(domain_root) / SHIPPED_DIR).glob("verifier-*") if p.is_dir())


def _shipped_info(shipped: Path, key: str) -> dict | None:
    """The shipped folder's shipped.json if it is this key's, checked: every file it needs listed, each
    inside the folder with its recorded sha256, and the manifest of the same key. A folder of this
    key that fails a check is an error (it would be served as this key's verifier)."""
    info_path = shipped / SHIPPED_INFO
    if not info_path.is_file():
        return None
    try:
        info = json.loads(info_path.read_text(encoding="utf-8"))
        files = dict(info["files"])
    except (ValueError, KeyError, TypeError) as exc:
        raise StoreError(f"{info_path}: not a shipped verifier's record ({exc})") from None
    if info.get("key") != key:
        return None
    fix = f"restore it (git checkout) or rebuild with: {info.get('command') or 'bench verifier ship DOMAIN'}"
    for rel in REQUIRED_FILES:
        if rel not in files:
            raise StoreError(f"{info_path}: lists no {rel}; {fix}")
    for rel, sha in files.items():
        path = shipped / rel
        if Path(rel).is_absolute() or ".." in Path(rel).parts or not path.is_file() or sha256_file(path) != sha:
            raise StoreError(f"{path}: missing or not the file shipped (sha256 differs from {SHIPPED_INFO}); {fix}")
    if (json.loads((shipped / MANIFEST).read_text(encoding="utf-8")) or {}).get("key") != key:
        raise StoreError(f"{shipped / MANIFEST}: not the manifest of key {key[:12]}; {fix}")
    return info


def _copy_stage(source: Path, files, target: Path, shipped_from: str | None = None, ship: dict | None = None) -> None:
    """Copy `files` (relative to `source`) into a new folder that replaces `target` atomically, the
    copied manifest's `shipped_from` set to `shipped_from` (removed when None). `ship` ({"key",
    "command"}): also write shipped.json with every copied file's sha256."""
    tmp = target.parent / f".{target.name}.partial-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        for rel in files:
            (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source / rel, tmp / rel)
        manifest = json.loads((tmp / MANIFEST).read_text(encoding="utf-8"))
        manifest.pop("shipped_from", None)
        if shipped_from:
            manifest["shipped_from"] = shipped_from
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        if ship is not None:
            files_sha = {rel: sha256_file(tmp / rel) for rel in files}
            info = {"key": ship["key"], "files": files_sha, "command": ship["command"]}
            (tmp / SHIPPED_INFO).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
        target.parent.mkdir(parents=True, exist_ok=True)
        swap_in(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def install_shipped(domain_root: Path, key: str, folder: Path) -> str | None:
    """Copy the domain's shipped verifier of this key into the store at `folder` (atomically, its
    manifest marked `shipped_from`: DOMAIN/prebuilt/verifier-KEY); returns that name, or None when the
    domain ships none of this key. A killed resumable training of the key is dropped: not needed now."""
    shipped = Path(domain_root) / SHIPPED_DIR / f"verifier-{key[:12]}"
    info = _shipped_info(shipped, key)
    if info is None:
        return None
    name = f"{Path(domain_root).resolve().name}/{SHIPPED_DIR}/{shipped.name}"
    _copy_stage(shipped, info["files"], folder, shipped_from=name)
    shutil.rmtree(partial_dir(folder, key), ignore_errors=True)
    return name


def ship(domain_root: Path, stage: StageOutput, command: str) -> Path:
    """Write the verifier stage `stage` into the domain folder as its shipped verifier (then remove any
    other verifier the domain shipped); returns the shipped folder. Only a verifier trained in float32
    is shipped: the key names the recipe's `auto` precision, not the device that resolved it."""
    precision = json.loads((stage.path / "metrics.json").read_text(encoding="utf-8")).get("precision") or {}
    if precision.get("matmul") != "float32" or precision.get("mixed_precision"):
        raise StoreError(f"{stage.path}: trained with {precision}; ship a verifier trained in float32 (on a CPU)")
    for rel in REQUIRED_FILES:
        if not (stage.path / rel).is_file():
            raise StoreError(f"{stage.path / rel}: missing, so this verifier stage cannot be shipped")
    target = Path(domain_root) / SHIPPED_DIR / f"verifier-{stage.key[:12]}"
    files = [rel for rel in SHIPPED_FILES if (stage.path / rel).is_file()]
    _copy_stage(stage.path, files, target, ship={"key": stage.key, "command": command})
    for old in shipped_folders(domain_root):
        if old != target:
            shutil.rmtree(old)
    return target
