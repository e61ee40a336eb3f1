"""retrieval: an index over the domain's policy passages (and declared documents), built as a stage
of its own, and the retrieval contestants' prompts. The index is a Chroma persistent collection
with the shipped MiniLM embeddings passed in; exact numpy search over the same vectors is the
baseline it is measured against (perf/retrieval.py).

Public entry points: `build_index(domain, folder)`, then `Retriever(folder).top_k(queries, k)`;
`rag_row` (a contestant's prompt) and `recall_at_k` (retrieval quality)."""

from __future__ import annotations

import json
from pathlib import Path

import synth

from ._passages import passages
from ._prompt import DESCRIPTION as PROMPT_DESCRIPTION
from ._prompt import NAME as PROMPT_NAME
from ._prompt import rag_row
from ._recall import recall_at_k

PASSAGES_FILE = "passages.jsonl"
INDEX_DIR = "chroma"
DEFAULT_K = 3


def build_index(domain: synth.Domain, folder: Path, embedder=None) -> dict:
    """Embed every passage and write the index into `folder` (passages.jsonl and chroma/); returns
    what was built, for the stage's manifest."""
    from ._chroma import engine, write_index

    folder = Path(folder)
    found = passages(domain)
    vectors = synth.embed(embedder or synth.load_embedder(), [p["text"] for p in found])
    write_index(folder / INDEX_DIR, found, vectors)
    with (folder / PASSAGES_FILE).open("w", encoding="utf-8") as f:
        f.writelines(json.dumps(p, ensure_ascii=False) + "\n" for p in found)
    return {"passages": len(found), "engine": engine(), "embedder": synth.DEFAULT_EMBEDDER}


class Retriever:
    """Top-k passages for queries, from an index folder written by `build_index`."""

    def __init__(self, folder: Path, embedder=None):
        self.folder = Path(folder)
        self.embedder = embedder or synth.load_embedder()
        self.passages = {p["id"]: p for p in synth.read_jsonl(self.folder / PASSAGES_FILE)}

    def top_k(self, queries: list[str], k: int) -> list[list[dict]]:
        """For each query, its k nearest passages (each with `score`, the cosine), nearest first."""
        from ._chroma import query_index

        if not queries:
            return []
        vectors = synth.embed(self.embedder, queries)
        found = query_index(self.folder / INDEX_DIR, vectors, k)
        return [[{**self.passages[pid], "score": round(score, 6)} for pid, score in hits] for hits in found]


__all__ = [
    "DEFAULT_K",
    "PROMPT_DESCRIPTION",
    "PROMPT_NAME",
    "Retriever",
    "build_index",
    "passages",
    "rag_row",
    "recall_at_k",
]
