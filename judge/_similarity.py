"""Cosine similarity of each answer to its reference answer, with the shipped all-MiniLM-L6-v2."""

from __future__ import annotations

import numpy as np

import synth


def cosine_scores(answers: list[str], references: list[str], model=None, batch_size: int = 64) -> list[float]:
    if len(answers) != len(references):
        raise ValueError(f"{len(answers)} answers but {len(references)} references")
    model = model or synth.load_embedder()
    a = synth.embed(model, answers, batch_size)
    r = synth.embed(model, references, batch_size)
    return [float(x) for x in np.einsum("ij,ij->i", a, r)]
