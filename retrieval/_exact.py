"""Exact nearest-passage search with numpy: the cosine of unit vectors is their dot product, so the
top k of one matrix product are the true top k. The baseline the index engine is measured against
(perf/retrieval.py) and what a test checks the engine's answers by."""

from __future__ import annotations

import numpy as np


def exact_top_k(passage_vectors: np.ndarray, query_vectors: np.ndarray, k: int) -> list[list[tuple[int, float]]]:
    """For each query, [(passage index, cosine)] of its k nearest passages, nearest first (ties by index)."""
    sims = np.asarray(query_vectors) @ np.asarray(passage_vectors).T
    k = min(k, sims.shape[1])
    order = np.lexsort((np.tile(np.arange(sims.shape[1]), (sims.shape[0], 1)), -sims), axis=1)[:, :k]
    return [[(int(j), float(sims[i, j])) for j in row] for i, row in enumerate(order)]
