"""Judge throughput, measured side by side in one run.

1. Against a local OpenAI-compatible endpoint that adds 200 ms per request: a sequential loop
   (concurrency 1, as the seed systems judged) against bounded concurrency; then a rerun with
   everything cached, counting requests.
2. `--local`: the local judges on this machine, on the same test answers: the domain verifier
   (rubric-v1, 5 one-token questions per answer, base GGUF + LoRA GGUF; trained first if its stage
   is missing) against the untrained SmolLM2 with the 1-10 prompt (single-ref-v1), each served by
   llama.cpp on 127.0.0.1. A judgment is one answer judged (all its rubric items, or one rating).

3. `--cost JUDGMENTS.jsonl`: where one rubric request's time goes, in process (llama-cpp-python's
   `Llama`, no HTTP), on the first N prompts of a run's judgments: the shipped verifier (base GGUF
   + LoRA GGUF) as the server runs it (`logits_all`, the yes/no grammar, top logprobs) against the
   same without logprobs (`logits_all` off: what the one token alone would cost), per rubric item;
   then the run's judge time at those rates: what no server setting can go below.

    python perf/judge_throughput.py [--requests 96] [--concurrency 16]
    python perf/judge_throughput.py --local [--answers 40]
    python perf/judge_throughput.py --cost results/banking/RUN/judgments.jsonl [--prompts 100]
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


def request_cost(judgments: Path, n: int, lora: Path | None) -> None:
    """Seconds per rubric request by item, with and without logprobs, on the first n prompts of a run."""
    import json
    from collections import Counter

    import llama_cpp

    from judge import _rubric as rubric
    from train._sources import gguf_path

    if lora is None:
        shipped = sorted(
            (Path(__file__).resolve().parents[1] / "benchmarks" / "banking" / "prebuilt").glob("verifier-*")
        )
        lora = shipped[-1] / "lora.gguf"
    with open(judgments) as f:
        records = [json.loads(line) for line in f]
    sample = records[:n]
    rates = {}
    for name, logprobs in (("as served: logprobs (logits_all)", True), ("the token alone (no logprobs)", False)):
        llm = llama_cpp.Llama(str(gguf_path("smollm2-135m")), n_ctx=4096, n_threads=2, lora_path=str(lora),
                              logits_all=logprobs, verbose=False)  # fmt: skip
        grammar = llama_cpp.LlamaGrammar.from_string(rubric.GRAMMAR, verbose=False)
        per: dict[str, list[float]] = {}
        top = rubric.TOP_LOGPROBS if logprobs else None
        for r in sample:
            start = time.perf_counter()
            llm.create_chat_completion(r["prompt"], max_tokens=1, temperature=0, grammar=grammar,
                                       logprobs=logprobs, top_logprobs=top)  # fmt: skip
            per.setdefault(r["rubric_item"], []).append(time.perf_counter() - start)
        del llm
        rates[name] = {item: sum(v) / len(v) for item, v in per.items()}
        print(f"{name:34s} " + "  ".join(f"{k} {v:.3f} s" for k, v in rates[name].items()))
    counts = Counter(r["rubric_item"] for r in records)
    if missing := set(counts) - set(next(iter(rates.values()))):
        raise SystemExit(f"--prompts {n} times no request of {', '.join(sorted(missing))}: time more prompts")
    served, bare = (sum(counts[k] * rate[k] for k in counts) for rate in rates.values())
    print(f"the run's {len(records)} requests at these rates: {served:.0f} s as served, {bare:.0f} s without "
          f"logprobs (ratio {served / bare:.2f}x); its judge stage's wall time is in its results.json")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=96)
    ap.add_argument("--concurrency", type=int, default=JudgeEndpoint.concurrency)
    ap.add_argument("--local", action="store_true", help="the local verifier vs the untrained 1-10 judge")
    ap.add_argument("--answers", type=int, default=40, help="with --local: answers each judge judges")
    ap.add_argument("--cost", type=Path, help="a run's judgments.jsonl: seconds per rubric request, in process")
    ap.add_argument("--prompts", type=int, default=100, help="with --cost: prompts timed (from the first)")
    ap.add_argument("--lora", type=Path, help="with --cost: the verifier's LoRA GGUF (default: the shipped one)")
    args = ap.parse_args()
    if args.cost:
        request_cost(args.cost, args.prompts, args.lora)
        return
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
