"""Judge throughput, measured side by side in one run.

1. Against a local OpenAI-compatible endpoint that adds 200 ms per request: a sequential loop
   (concurrency 1, as the seed systems judged) against bounded concurrency; then a rerun with
   everything cached, counting requests.
2. `--local`: the local judges on this machine, on the same test answers: the domain verifier
   (rubric-v1, 5 one-token questions per answer, base GGUF + LoRA GGUF; trained first if its stage
   is missing) against the untrained SmolLM2 with the 1-10 prompt (single-ref-v1), each served by
   llama.cpp on 127.0.0.1. A judgment is one answer judged (all its rubric items, or one rating).

    python perf/judge_throughput.py [--requests 96] [--concurrency 16]
    python perf/judge_throughput.py --local [--answers 40]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from judge import _single as single  # noqa: E402
from judge._client import JudgeEndpoint, JudgeRequest, run_judgments  # noqa: E402
from tests.judge.fault_server import FaultServer  # noqa: E402


def requests(n: int) -> list[JudgeRequest]:
    return [single.request(f"q{i}", f"question {i}?", "reference", f"answer {i}") for i in range(n)]


def local_judges(n: int) -> None:
    """The domain verifier against the untrained SmolLM2 1-10 judge, on n test answers (references
    of one wording answered by another: the calibration wording)."""
    import synth
    from bench._judges import choose_judge
    from bench._synth_stage import run_synth_stage
    from judge import _rubric as rubric
    from judge._requests import rubric_question, single_request
    from judge._server import local_judge_server
    from train._sources import gguf_path

    folder = Path(__file__).resolve().parents[1] / "benchmarks" / "banking"
    domain = synth.load_domain(folder)
    dataset = run_synth_stage(folder, synth.SynthSettings.for_domain(domain))  # the dataset bench run makes
    rows = synth.read_jsonl(dataset.path / "jsonl" / "test.jsonl")[:n]
    factory, identity = choose_judge("local", None, True).resolve(domain, dataset)
    verifier_requests = [
        r for i, row in enumerate(rows)
        for r in rubric.requests(f"v{i}", rubric_question(row), row["response"], row["calibration_response"])
    ]  # fmt: skip
    rating_requests = [single_request(f"s{i}", row, row["calibration_response"], {}) for i, row in enumerate(rows)]
    seconds = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, make, reqs in (
            (f"verifier ({identity['model']}, rubric)", factory, verifier_requests),
            ("untrained SmolLM2 (1-10)", lambda: local_judge_server(gguf_path("smollm2-135m")), rating_requests),
        ):
            with make() as endpoint:
                start = time.perf_counter()
                records = run_judgments(reqs, endpoint, Path(tmp) / f"{len(seconds)}.jsonl")
                seconds[name] = time.perf_counter() - start
            ok = sum(r["status"] == "ok" for r in records)
            print(f"{name:40s} {n} judgments ({len(reqs)} requests, {ok} ok) in {seconds[name]:.1f} s: "
                  f"{n / seconds[name]:.2f} judgments/s")  # fmt: skip
    (fast, slow) = seconds.values()
    print(f"ratio: verifier / untrained 1-10 judgments per second = {slow / fast:.2f}x")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=96)
    ap.add_argument("--concurrency", type=int, default=JudgeEndpoint.concurrency)
    ap.add_argument("--local", action="store_true", help="the local verifier vs the untrained 1-10 judge")
    ap.add_argument("--answers", type=int, default=40, help="with --local: answers each judge judges")
    args = ap.parse_args()
    if args.local:
        local_judges(args.answers)
        return
    seconds = {}
    with FaultServer(delay=0.2) as server, tempfile.TemporaryDirectory() as tmp:
        for name, conc in (("sequential", 1), (f"concurrency {args.concurrency}", args.concurrency)):
            ep = JudgeEndpoint(model="perf", base_url=server.base_url, concurrency=conc)
            start = time.perf_counter()
            run_judgments(requests(args.requests), ep, Path(tmp) / f"{conc}.jsonl")
            seconds[name] = time.perf_counter() - start
            print(f"{name:16s} {args.requests} judgments in {seconds[name]:.2f} s")
        hits = server.hits
        run_judgments(requests(args.requests), ep, Path(tmp) / f"{args.concurrency}.jsonl")
        print(f"rerun with everything cached: {server.hits - hits} judge requests sent")
    print(
        f"ratio: concurrency {args.concurrency} / sequential = "
        f"{seconds['sequential'] / seconds[f'concurrency {args.concurrency}']:.1f}x faster"
    )


if __name__ == "__main__":
    main()
