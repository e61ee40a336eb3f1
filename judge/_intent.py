"""Which intent an answer serves, with no reference: the intent whose centroid is nearest to the
answer's embedding (all-MiniLM-L6-v2), each centroid the normalised mean embedding of the example
answers given for that intent (the real-query stage gives each intent's calibration wordings, which
no contestant was trained on). Real queries have no reference, so this is how their answers are
checked for being on topic.

How reliable the finder is: `self_check` classifies answers whose intent is known (the held-out
test references, in another wording than the centroids'), and the results record that accuracy
beside the metric."""

from __future__ import annotations

import numpy as np

import synth


class IntentFinder:
    def __init__(self, examples: list[dict], embedder=None):
        """`examples`: rows with `intent` and `response`."""
        if not examples:
            raise ValueError("no examples to build intent centroids from")
        self.embedder = embedder or synth.load_embedder()
        self.names = sorted({r["intent"] for r in examples})
        vectors = synth.embed(self.embedder, [r["response"] for r in examples])
        index = {name: i for i, name in enumerate(self.names)}
        sums = np.zeros((len(self.names), vectors.shape[1]))
        np.add.at(sums, [index[r["intent"]] for r in examples], vectors)
        self.centroids = sums / np.linalg.norm(sums, axis=1, keepdims=True)

    def nearest(self, texts: list[str]) -> list[tuple[str, float]]:
        """(nearest intent, its cosine) for each text."""
        if not texts:
            return []
        sims = synth.embed(self.embedder, texts) @ self.centroids.T
        best = sims.argmax(axis=1)
        return [(self.names[j], float(sims[i, j])) for i, j in enumerate(best)]

    def self_check(self, rows: list[dict]) -> dict:
        """Accuracy of `nearest` on rows with a known intent (the test references)."""
        found = self.nearest([r["response"] for r in rows])
        right = sum(name == r["intent"] for (name, _), r in zip(found, rows, strict=True))
        return {
            "items": len(rows),
            "accuracy": round(right / len(rows), 4) if rows else None,
            "on": "the held-out test references, whose intent is known: how often the finder names it",
            "intents": len(self.names),
        }
