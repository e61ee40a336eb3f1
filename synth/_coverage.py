"""How well the synthetic queries cover real customer language: for each real query, the cosine
similarity of its nearest synthetic query, summarised per real category."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from ._errors import DomainError


def read_real_queries(path: Path, sample_per_category: int | None = None, seed: int = 0) -> pd.DataFrame:
    """A CSV with columns text,category; optionally at most `sample_per_category` rows per category."""
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except FileNotFoundError:
        raise DomainError(path, "file not found") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DomainError(path, f"not a readable CSV: {exc}") from None
    missing = [c for c in ("text", "category") if c not in df.columns]
    if missing:
        raise DomainError(path, f"missing column(s) {', '.join(missing)}; expected text,category", line=1)
    df = df[df["text"].str.strip() != ""]
    if df.empty:
        raise DomainError(path, "has no rows with text")
    if sample_per_category:
        df = df.sample(frac=1.0, random_state=seed).groupby("category").head(sample_per_category).sort_index()
    return df.reset_index(drop=True)


def coverage_table(
    real: pd.DataFrame,
    synthetic: list[dict],
    embed_texts: Callable[[list[str]], np.ndarray],
    threshold: float = 0.6,
) -> pd.DataFrame:
    """One row per real category, worst covered first: nearest-synthetic similarity statistics,
    the synthetic intent most often nearest, and whether the category is poorly covered.
    `embed_texts` returns unit-length embeddings, one row per text."""
    real_vecs = embed_texts(real["text"].tolist())
    synth_vecs = embed_texts([r["query"] for r in synthetic])
    sims = real_vecs @ synth_vecs.T
    nearest = sims.argmax(axis=1)
    frame = pd.DataFrame(
        {
            "category": real["category"].to_numpy(),
            "similarity": sims[np.arange(len(real)), nearest].astype(np.float64),
            "intent": [synthetic[j]["intent"] for j in nearest],
        }
    )
    table = frame.groupby("category").agg(
        n=("similarity", "size"),
        mean=("similarity", "mean"),
        median=("similarity", "median"),
        p10=("similarity", lambda s: s.quantile(0.1)),
        covered=("similarity", lambda s: (s >= threshold).mean()),
        nearest_intent=("intent", lambda s: s.value_counts().index[0]),
    )
    table["poorly_covered"] = table["median"] < threshold
    return table.sort_values("median").round(3).reset_index()
