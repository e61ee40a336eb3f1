"""Judge stage throughput against a local OpenAI-compatible endpoint that adds 200 ms per
request: a sequential loop (concurrency 1, as the seed systems judged) against bounded
concurrency, measured side by side; then a rerun with everything cached, counting requests.

    python perf/judge_throughput.py [--requests 96] [--concurrency 16]
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=96)
    ap.add_argument("--concurrency", type=int, default=JudgeEndpoint.concurrency)
    args = ap.parse_args()
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
