"""Retrieval engine vs exact search, measured side by side in one run, on the domain's own index:
the Chroma collection the retrieval contestants use (HNSW, cosine) against an exact numpy search
over the same MiniLM vectors, for every held-out test query: build time, query time per query,
and whether the two return the same top k (the index's recall against exact search).

    python perf/retrieval.py [--domain banking] [--k 3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import retrieval  # noqa: E402
import synth  # noqa: E402
from bench._domains import domain_dir  # noqa: E402
from bench._synth_stage import run_synth_stage  # noqa: E402
from retrieval._chroma import query_index, write_index  # noqa: E402
from retrieval._exact import exact_top_k  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--domain", default="banking")
    parser.add_argument("--k", type=int, default=3)
    args = parser.parse_args()
    domain = synth.load_domain(domain_dir(args.domain))
    from datasets import load_from_disk

    dataset = run_synth_stage(domain.root, synth.SynthSettings.for_domain(domain))  # as bench run makes it
    queries = [r["query"] for r in load_from_disk(str(dataset.path / "dataset"))["test"]]
    passages = retrieval.passages(domain)
    embedder = synth.load_embedder()
    p_vec = synth.embed(embedder, [p["text"] for p in passages])
    q_vec = synth.embed(embedder, queries)
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        write_index(Path(tmp) / "chroma", passages, p_vec)
        build = time.perf_counter() - t
        t = time.perf_counter()
        found = query_index(Path(tmp) / "chroma", q_vec, args.k)
        chroma_s = time.perf_counter() - t
    t = time.perf_counter()
    exact = exact_top_k(p_vec, q_vec, args.k)
    exact_s = time.perf_counter() - t
    same = sum([pid for pid, _ in a] == [passages[j]["id"] for j, _ in b] for a, b in zip(found, exact, strict=True))
    print(f"{len(passages)} passages, {len(queries)} test queries, k={args.k}")
    print(f"chroma: build {build * 1000:.1f} ms, query {chroma_s / len(queries) * 1000:.3f} ms/query")
    print(f"exact numpy: query {exact_s / len(queries) * 1000:.3f} ms/query")
    print(f"same top-{args.k} (same order): {same} of {len(queries)} queries ({same / len(queries):.1%})")
    print(f"chroma / exact query time: {chroma_s / max(exact_s, 1e-9):.1f}x")


if __name__ == "__main__":
    main()
