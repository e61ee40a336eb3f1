"""bf16 against float32 on this machine, measured side by side, so that the CPU default is a
measured choice: greedy answers (tokens/s, and the share of answers identical to float32's) and
LoRA training steps (non-pad tokens/s) with the shipped SmolLM2-135M.

    python perf/precision.py [--prompts 32] [--max-new-tokens 48] [--steps 4]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import synth  # noqa: E402
from answers import GenerationSettings  # noqa: E402
from answers._local import generate  # noqa: E402
from perf.train_throughput import measure  # noqa: E402
from synth._export import with_formats  # noqa: E402
from train import RECIPES, load_recipe, resolve_model  # noqa: E402
from train._collate import PadCollator  # noqa: E402
from train._model import load_base, load_tokenizer, prepare  # noqa: E402
from train._tokenize import has_target, prompt_ids, tokenize_row  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def answers(source, tok, prompts, dtype: str, new_tokens: int) -> tuple[list[str], float]:
    model = load_base(source, dtype=dtype)
    began = time.perf_counter()
    out = generate(model, tok, prompts, GenerationSettings(max_new_tokens=new_tokens, batch_size=32, dtype=dtype))
    seconds = time.perf_counter() - began
    return [o["answer"] for o in out], sum(o["answer_tokens"] for o in out) / seconds


def train_rate(source, recipe, batches, pad_id: int, bf16: bool) -> float:
    """Non-pad tokens/s of one step per batch after the first (a warm-up)."""
    model, _ = prepare(source, recipe, None)
    measure(model, batches[:1], PadCollator(pad_id), bf16)
    seconds, tokens, _ = measure(model, batches[1:], PadCollator(pad_id), bf16)
    return tokens / seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--prompts", type=int, default=32)
    ap.add_argument("--max-new-tokens", type=int, default=48)
    ap.add_argument("--steps", type=int, default=4)
    args = ap.parse_args()
    domain = synth.load_domain(REPO / "benchmarks" / "banking")
    splits = synth.synthesize(domain, synth.SynthSettings()).splits
    source = resolve_model("smollm2-135m")
    tok = load_tokenizer(source)
    prompts = [prompt_ids(with_formats(domain, r), tok, "chat", seq2seq=False) for r in splits["test"][: args.prompts]]
    fp32, fp32_rate = answers(source, tok, prompts, "float32", args.max_new_tokens)
    bf16, bf16_rate = answers(source, tok, prompts, "bfloat16", args.max_new_tokens)
    same = sum(a == b for a, b in zip(fp32, bf16, strict=True)) / len(fp32)
    print(f"greedy answers, {len(prompts)} prompts x {args.max_new_tokens} new tokens, batch 32: "
          f"float32 {fp32_rate:.1f} tok/s, bfloat16 {bf16_rate:.1f} tok/s ({bf16_rate / fp32_rate:.2f}x); "
          f"answers identical to float32's: {same:.0%}")  # fmt: skip

    recipe = load_recipe(RECIPES / "default.yaml")
    fmt = source.prompt_format if recipe.prompt_format == "auto" else recipe.prompt_format
    rows = random.Random(0).sample(splits["train"], recipe.micro_batch_size * (args.steps + 1))
    examples = [tokenize_row(with_formats(domain, r), tok, fmt, recipe.sequence_len, False, False) for r in rows]
    examples = [e for e in examples if has_target(e)]
    n = recipe.micro_batch_size
    batches = [examples[i : i + n] for i in range(0, len(examples), n)]
    rates = {}
    for name, changes, autocast in (
        ("qlora nf4, float32 matmuls", {"bnb_4bit_compute_dtype": "float32"}, False),
        ("qlora nf4, bfloat16 matmuls", {"bnb_4bit_compute_dtype": "bfloat16"}, False),
        ("lora, float32", {"adapter": "lora", "load_in_4bit": False}, False),
        ("lora, float32 weights + bf16 autocast", {"adapter": "lora", "load_in_4bit": False}, True),
    ):
        rates[name] = train_rate(source, recipe.with_overrides(**changes), batches, tok.pad_token_id, autocast)
        print(f"training {name:40s} {rates[name]:.1f} non-pad tok/s", flush=True)
    base = rates["qlora nf4, float32 matmuls"]
    print("ratios to qlora nf4 float32: " + ", ".join(f"{k} {v / base:.2f}x" for k, v in rates.items()))


if __name__ == "__main__":
    main()
