"""The synth stage in the store: reuse a finished dataset with the same key, else build it."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import synth

from ._store import atomic_output, code_hash, home, is_complete, rank, stable_hash, wait_until_complete


@dataclass
class StageOutput:
    path: Path
    key: str
    reused: bool
    result: object = None  # what the stage's work returned (None when reused)
    complete: bool = True  # False: a resumable partial folder (an endpoint failed; a rerun retries)
    # synth only: a hash of the dataset's bytes (its JSONL splits). Later stages key on it, not on `key`,
    # so a synth change that leaves the data as it was (code, the card's coverage) reuses their work
    content: str = ""
    # verifier only: the domain's shipped folder this stage was installed from (not trained here)
    shipped: str = ""


def dataset_content(folder: Path) -> str:
    """The hash of a synth folder's dataset: of the sha256 of each JSONL split, as synth_report.json
    records them (the splits hold every row, in order, as the DatasetDict does)."""
    report = json.loads((Path(folder) / "synth_report.json").read_text(encoding="utf-8"))
    return stable_hash(report["files"])


def synth_material(
    domain: synth.Domain, settings: synth.SynthSettings, real: Path | None = None, origin: dict | None = None
) -> dict:
    material = {
        "stage": "synth",
        "domain": domain.name,
        "domain_files": domain.files_hash,
        "settings": settings.to_dict(),
        "code": code_hash("synth"),
    }
    if domain.source is not None:  # the rows are the source's: its mapping, filters and bytes (or revision)
        material["settings"] = {"seed": settings.seed}
        material["source"] = {"settings": domain.source.settings(), "origin": origin}
    if real is not None:  # the card's coverage section depends on the real queries' bytes
        material["real_queries"] = {
            "name": Path(real).name,
            "sha256": hashlib.sha256(Path(real).read_bytes()).hexdigest(),
        }
    return material


def run_synth_stage(
    domain_dir: Path,
    settings: synth.SynthSettings,
    out: Path | None = None,
    progress=None,
    real: Path | None = None,
    source: str | None = None,
) -> StageOutput:
    """`real`: a text,category CSV of real customer queries; the card then reports their coverage.
    `source`: for a domain made from existing data, another file or hub id (`id@revision`) of the
    same columns in place of the one domain.yaml names."""
    import dataclasses

    from synth._source import describe

    domain = synth.load_domain(domain_dir)
    origin = None
    if source is not None:
        if domain.source is None:
            raise synth.DomainError(Path(domain_dir) / "domain.yaml", "--source needs a domain with a source: block")
        domain = dataclasses.replace(domain, source=domain.source.with_location(source))
    if domain.source is not None:
        origin = describe(domain.source, domain.root)  # a missing file or uncached hub dataset fails here
        if real is not None:
            raise synth.DomainError(Path(real), "real-query coverage is for template domains (intents/)")
    real_df = synth.read_real_queries(Path(real)) if real is not None else None  # bad file: fail before work
    material = synth_material(domain, settings, real, origin)
    key = stable_hash(material)
    folder = Path(out) if out else home() / domain.name / f"synth-{key[:12]}"
    if is_complete(folder, key):
        return StageOutput(folder, key, reused=True, content=dataset_content(folder))
    if rank() > 0:
        wait_until_complete(folder, key)
        return StageOutput(folder, key, reused=True, content=dataset_content(folder))
    summary: dict = {}
    with atomic_output(folder, "synth", key, material, summary=summary) as tmp:
        say = progress or (lambda step: None)
        if domain.source is not None:
            say("loading and filtering the source")
            result = synth.build_from_source(domain, domain.source, settings.seed, origin)
            synth.save_source(result, tmp)
        else:
            result = synth.synthesize(domain, settings, progress)
            coverage = None
            if real_df is not None:
                say(f"measuring coverage of {Path(real).name}")
                coverage = synth.measure_coverage(real_df, result.splits["train"])
            synth.save(result, tmp, coverage, Path(real).name if real is not None else None)
        summary.update(counts={k: len(v) for k, v in result.splits.items()})
    return StageOutput(folder, key, reused=False, result=result, content=dataset_content(folder))
