"""Write a SynthResult to a folder: dataset/, jsonl/, data_card.md and synth_report.json."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import datasets
import pandas as pd

from ._card import data_card
from ._export import to_dataset_dict, write_jsonl
from ._synthesize import SynthResult
from .filters import load_token_counter


def _write_splits(dd, out: Path) -> dict[str, str]:
    """dataset/ (the DatasetDict) and jsonl/SPLIT.jsonl; sha256 per JSONL file."""
    datasets.disable_progress_bars()
    dd.save_to_disk(str(out / "dataset"))
    (out / "jsonl").mkdir()
    hashes = {}
    for split, ds in dd.items():
        path = out / "jsonl" / f"{split}.jsonl"
        write_jsonl(ds, path)
        hashes[f"jsonl/{split}.jsonl"] = hashlib.sha256(path.read_bytes()).hexdigest()
    return hashes


def save(
    result: SynthResult, out: Path, coverage: pd.DataFrame | None = None, real_name: str | None = None
) -> dict[str, str]:
    """Write every output file into `out` (the caller makes it atomic); return sha256 per JSONL file.
    `coverage` (from `measure_coverage` on the train split, against the real queries file `real_name`)
    goes into the card and coverage.csv."""
    hashes = _write_splits(to_dataset_dict(result.domain, result.splits), out)
    report = {
        "domain": result.domain.name,
        "domain_files_sha256": result.domain.files_hash,
        "settings": result.settings.to_dict(),
        "counts": {k: len(v) for k, v in result.splits.items()},
        "filters": result.filters,
        "decontamination": result.decontamination,
        "held_out_templates": result.held_out.summary(),
        "shortfalls": result.shortfalls,
        "files": hashes,
    }
    if coverage is not None:
        coverage.to_csv(out / "coverage.csv", index=False)
        report["coverage"] = {"real_queries": real_name, **coverage.attrs}
    (out / "synth_report.json").write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    count, _ = load_token_counter(result.settings.filters.tokenizer)
    (out / "data_card.md").write_text(data_card(result, count, hashes, coverage, real_name), encoding="utf-8")
    return hashes


def save_source(result, out: Path) -> dict[str, str]:
    """`save` for a dataset made from a source (synth/_source.py): the same files, its own card."""
    from ._source import harness_row
    from ._source_card import source_card

    domain = result.domain
    rows = {split: [harness_row(domain, r) for r in split_rows] for split, split_rows in result.splits.items()}
    hashes = _write_splits(to_dataset_dict(domain, rows), out)
    report = {
        "domain": domain.name,
        "domain_files_sha256": domain.files_hash,
        "settings": result.settings,
        "source": result.origin,
        "source_counts": result.source_counts,
        "counts": {k: len(v) for k, v in result.splits.items()},
        "filters": result.filters,
        "decontamination": result.decontamination,
        "files": hashes,
    }
    (out / "synth_report.json").write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    count, _ = load_token_counter(result.spec.filter_settings().tokenizer)
    (out / "data_card.md").write_text(source_card(result, count, hashes), encoding="utf-8")
    return hashes
