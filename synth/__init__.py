"""synth: a domain's data files -> a filtered, split, decontaminated DatasetDict and its data card.

Public entry point: `build(domain_dir, settings, out_dir)`.
"""

from __future__ import annotations

from pathlib import Path

from ._copying import NearCopy, near_copies
from ._coverage import coverage_summary, coverage_table, measure_coverage, read_real_queries
from ._domain import Domain, Intent, Policy, load_domain
from ._embeddings import DEFAULT_EMBEDDER, embed, load_embedder, shipped_minilm
from ._errors import DomainError
from ._jsonl import read_jsonl, repair_jsonl_tail
from ._save import save, save_source
from ._schema import validate_schema
from ._settings import FilterSettings, SynthSettings
from ._source import SourceResult, SourceSpec, build_from_source
from ._synthesize import SPLITS, SynthResult, synthesize
from ._variation import VariationRates
from ._yaml import YamlDoc, load_yaml

__all__ = [
    "build",
    "Domain",
    "DEFAULT_EMBEDDER",
    "DomainError",
    "FilterSettings",
    "Intent",
    "Policy",
    "SPLITS",
    "SynthResult",
    "SynthSettings",
    "VariationRates",
    "YamlDoc",
    "load_yaml",
    "read_jsonl",
    "repair_jsonl_tail",
    "validate_schema",
    "coverage_summary",
    "coverage_table",
    "measure_coverage",
    "near_copies",
    "NearCopy",
    "embed",
    "load_domain",
    "load_embedder",
    "read_real_queries",
    "save",
    "save_source",
    "SourceResult",
    "SourceSpec",
    "build_from_source",
    "shipped_minilm",
    "synthesize",
]


def build(domain_dir: Path, settings: SynthSettings, out_dir: Path, progress=None) -> SynthResult:
    """Load and validate the domain, synthesize its dataset (or build it from its source), and write
    everything into out_dir."""
    domain = load_domain(Path(domain_dir))
    if domain.source is not None:
        result = build_from_source(domain, domain.source, settings.seed)
        save_source(result, Path(out_dir))
        return result
    result = synthesize(domain, settings, progress)
    save(result, Path(out_dir))
    return result
