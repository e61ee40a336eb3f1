"""The retrieval index stage in the store: keyed by the passages it holds (the policy sheet's section
passages and the domain's documents, as text), the embedder, the index engine's version and the
code, so an edit to an intent reuses the index and an edit to the policy sheet rebuilds it."""

from __future__ import annotations

from importlib.metadata import version

import retrieval
import synth

from ._store import atomic_output, code_hash, home, is_complete, read_manifest, stable_hash
from ._synth_stage import StageOutput


def index_material(domain: synth.Domain) -> dict:
    return {
        "stage": "index",
        "passages": stable_hash(retrieval.passages(domain)),
        "embedder": synth.DEFAULT_EMBEDDER,
        "engine": f"chromadb {version('chromadb')}",
        "code": code_hash("retrieval", "synth/_embeddings.py"),
    }


def run_index_stage(domain: synth.Domain) -> StageOutput:
    """The domain's retrieval index folder, built unless one with the same key is on disk; its result
    is what was built (passages, engine, embedder)."""
    material = index_material(domain)
    key = stable_hash(material)
    folder = home() / domain.name / f"index-{key[:12]}"
    if is_complete(folder, key):
        return StageOutput(folder, key, reused=True, result=(read_manifest(folder) or {}).get("summary", {}))
    summary: dict = {}
    with atomic_output(folder, "index", key, material, summary=summary) as tmp:
        summary.update(retrieval.build_index(domain, tmp))
    return StageOutput(folder, key, reused=False, result=summary)
