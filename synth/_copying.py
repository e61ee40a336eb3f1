"""Near-copies of real queries among a domain's query templates: real queries are a yardstick, never a
source. Every template is rendered with every combination of its slots' values, and each rendering is
compared by ROUGE-L F1 (google-research's rouge-score, as lm-evaluation-harness uses it) with the real
queries that a MinHash LSH index over word sets (datasketch) offers as candidates."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from datasketch import MinHash, MinHashLSH
from rouge_score import rouge_scorer, tokenize

from ._domain import Domain
from ._render import references, render

# A pair with ROUGE-L F1 above 0.8 shares an LCS of over 0.4 of both lengths together, so (without
# repeated words) the Jaccard similarity of their word sets is above 0.67; the index asks for 0.5, a margin
# for repeats and for MinHash's estimation error.
CANDIDATE_JACCARD = 0.5
PERMUTATIONS = 128


@dataclass(frozen=True)
class NearCopy:
    template: str  # 'intent#q<index>'
    source: str  # the intent's file:line
    rendered: str
    real: str
    rouge_l: float


def _minhash(words: set[str]) -> MinHash:
    m = MinHash(num_perm=PERMUTATIONS, seed=1)
    for w in sorted(words):
        m.update(w.encode("utf-8"))
    return m


def renderings(domain: Domain) -> list[tuple[str, str, str]]:
    """(template id, intent source, text) for every query template and every combination of slot values."""
    out = []
    for intent in domain.intents:
        for q, template in enumerate(intent.queries):
            names = list(dict.fromkeys(references(template)[0]))
            for combo in itertools.product(*(intent.slots[n] for n in names)):
                out.append(
                    (f"{intent.name}#q{q}", intent.source, render(template, dict(zip(names, combo, strict=True)), {}))
                )
    return out


def near_copies(domain: Domain, real_texts: list[str], threshold: float = 0.8) -> list[NearCopy]:
    """Every (rendered template, real query) pair with ROUGE-L F1 above `threshold`, the closest real
    query per rendering, most similar first."""
    scorer = rouge_scorer.RougeScorer(["rougeL"])
    lsh = MinHashLSH(threshold=CANDIDATE_JACCARD, num_perm=PERMUTATIONS)
    for j, text in enumerate(real_texts):
        words = set(tokenize.tokenize(text, None))
        if words:
            lsh.insert(j, _minhash(words))
    found = []
    for template, source, text in renderings(domain):
        words = set(tokenize.tokenize(text, None))
        if not words:
            continue
        scored = [(scorer.score(real_texts[j], text)["rougeL"].fmeasure, j) for j in lsh.query(_minhash(words))]
        best = max(scored, default=(0.0, -1))
        if best[0] > threshold + 1e-9:  # F1 of exactly the threshold is not above it
            found.append(NearCopy(template, source, text, real_texts[best[1]], round(best[0], 3)))
    return sorted(found, key=lambda c: -c.rouge_l)
