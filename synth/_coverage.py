"""How well the synthetic queries cover real customer language: for each real query, the cosine
similarity of its nearest synthetic query, summarised per real category."""

from __future__ import annotations

from collections.abc import Callable, Mapping
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
    table = table.sort_values("median").round(3).reset_index()
    # Whole-file figures, kept with the table (pandas' own metadata slot) so every printout can state them.
    table.attrs.update(
        mean_similarity=round(float(frame["similarity"].mean()), 4),
        n_real=len(real),
        n_synthetic=len(synthetic),
        threshold=threshold,
        covered_categories=int((~table["poorly_covered"]).sum()),
        categories=len(table),
    )
    return table


def measure_coverage(
    real: pd.DataFrame,
    synthetic: list[dict],
    threshold: float = 0.6,
    advance: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """`coverage_table` with the shipped all-MiniLM-L6-v2; `advance(n)` is told of each batch embedded."""
    from ._embeddings import embed, load_embedder

    model = load_embedder()

    def embed_texts(texts: list[str]) -> np.ndarray:
        chunks = []
        for i in range(0, len(texts), 256):
            chunks.append(embed(model, texts[i : i + 256]))
            if advance:
                advance(len(chunks[-1]))
        return np.concatenate(chunks)

    return coverage_table(real, synthetic, embed_texts, threshold)


def coverage_summary(a: Mapping) -> str:
    """One line: categories covered and the mean best similarity, with what they were measured on, from a
    coverage table's `attrs` (or their copy in synth_report.json's "coverage")."""
    return (
        f"{a['covered_categories']} of {a['categories']} real categories covered (median nearest similarity >= "
        f"{a['threshold']}); mean best similarity {a['mean_similarity']:.3f} over {a['n_real']} real queries, "
        f"nearest of {a['n_synthetic']} synthetic train queries"
    )
