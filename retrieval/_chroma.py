"""The retrieval index on disk: a Chroma persistent collection (the seed system's engine) of the
domain's passages with the shipped MiniLM embeddings passed in (Chroma's own default embedder would
download a model), cosine space, telemetry off. Chroma is imported only here."""

from __future__ import annotations

from pathlib import Path

import numpy as np

COLLECTION = "passages"


def _client(folder: Path):
    import chromadb
    from chromadb.config import Settings

    return chromadb.PersistentClient(path=str(folder), settings=Settings(anonymized_telemetry=False))


def engine() -> str:
    import chromadb

    return f"chromadb {chromadb.__version__} (PersistentClient, HNSW, cosine space)"


def write_index(folder: Path, passages: list[dict], vectors: np.ndarray) -> None:
    collection = _client(folder).create_collection(
        COLLECTION, metadata={"hnsw:space": "cosine"}, embedding_function=None
    )
    collection.add(
        ids=[p["id"] for p in passages],
        embeddings=np.asarray(vectors, dtype=float).tolist(),
        documents=[p["text"] for p in passages],
        metadatas=[{"title": p["title"], "section": p["section"] or ""} for p in passages],
    )


def query_index(folder: Path, query_vectors: np.ndarray, k: int) -> list[list[tuple[str, float]]]:
    """For each query, [(passage id, cosine)] of its k nearest passages, nearest first."""
    collection = _client(folder).get_collection(COLLECTION, embedding_function=None)
    k = min(k, collection.count())
    found = collection.query(
        query_embeddings=np.asarray(query_vectors, dtype=float).tolist(), n_results=k, include=["distances"]
    )
    return [
        [(pid, 1.0 - float(d)) for pid, d in zip(ids, dists, strict=True)]
        for ids, dists in zip(found["ids"], found["distances"], strict=True)
    ]
