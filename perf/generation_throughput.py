"""Answer generation throughput on the same model and prompts, measured side by side:
  - transformers generate, one prompt at a time (what the seed systems do);
  - the answers stage's batched generate (left padding, prompts sorted by length);
  - llama.cpp (llama-cpp-python), one prompt at a time, on the model's own GGUF.
Greedy decoding, the same max_new_tokens; tokens/s counts generated tokens.

    python perf/generation_throughput.py [--prompts 24] [--max-new-tokens 48] [--batch-size 24]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import synth  # noqa: E402
from answers import GenerationSettings  # noqa: E402
from answers._local import generate  # noqa: E402
from synth._export import with_formats  # noqa: E402
from train import resolve_model  # noqa: E402
from train._model import load_base, load_tokenizer  # noqa: E402
from train._prompt import build_prompt  # noqa: E402
from train._sources import gguf_path  # noqa: E402
from train._tokenize import prompt_ids  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--prompts", type=int, default=24)
    ap.add_argument("--max-new-tokens", type=int, default=48)
    ap.add_argument("--batch-size", type=int, default=24)
    args = ap.parse_args()
    domain = synth.load_domain(REPO / "benchmarks" / "banking")
    rows = synth.synthesize(domain, synth.SynthSettings()).splits["test"][: args.prompts]
    source = resolve_model("smollm2-135m")
    tok = load_tokenizer(source)
    texts = [build_prompt(with_formats(domain, r), tok, "chat") for r in rows]
    prompts = [prompt_ids(with_formats(domain, r), tok, "chat", seq2seq=False) for r in rows]
    model = load_base(source)
    rates = {}

    for name, batch in (
        ("transformers, one at a time", 1),
        (f"transformers, batched ({args.batch_size})", args.batch_size),
    ):
        start = time.perf_counter()
        out = generate(model, tok, prompts, GenerationSettings(max_new_tokens=args.max_new_tokens, batch_size=batch))
        seconds = time.perf_counter() - start
        tokens = sum(o["answer_tokens"] for o in out)
        rates[name] = tokens / seconds
        print(f"{name:32s} {tokens} tokens in {seconds:.1f} s = {rates[name]:.1f} tokens/s")

    from llama_cpp import Llama

    llm = Llama(model_path=str(gguf_path("smollm2-135m")), n_ctx=2048, n_threads=os.cpu_count(), verbose=False)
    start, tokens = time.perf_counter(), 0
    for p in texts:
        res = llm.create_completion(p, max_tokens=args.max_new_tokens, temperature=0.0)
        tokens += res["usage"]["completion_tokens"]
    seconds = time.perf_counter() - start
    rates["llama.cpp, one at a time"] = tokens / seconds
    print(
        f"{'llama.cpp (Q4_1 GGUF), one at a time':32s} {tokens} tokens in {seconds:.1f} s = "
        f"{rates['llama.cpp, one at a time']:.1f} tokens/s"
    )
    batched = rates[f"transformers, batched ({args.batch_size})"]
    print(
        f"ratio: batched / one-at-a-time transformers = {batched / rates['transformers, one at a time']:.1f}x; "
        f"batched / llama.cpp one-at-a-time = {batched / rates['llama.cpp, one at a time']:.2f}x"
    )


if __name__ == "__main__":
    main()
