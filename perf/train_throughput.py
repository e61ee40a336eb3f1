"""Effective (non-padding) training tokens per second: length-grouped batches padded to their
own longest row, and packed batches (`sample_packing`: padding-free, the rows of a random-order
micro-batch end to end), against the seed systems' way of padding every example to the recipe's
maximum length. Same model, rows, batch size and number of steps, measured side by side.

    python perf/train_throughput.py [--model smollm2-135m] [--steps 4] [--recipe default]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import synth  # noqa: E402
from train import RECIPES, load_recipe, resolve_model  # noqa: E402
from train._collate import PadCollator  # noqa: E402
from train._model import load_tokenizer, prepare  # noqa: E402
from train._packing import packable, packing_collator, real_tokens  # noqa: E402
from train._tokenize import has_target, tokenize_row  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def measure(model, batches, collate, bf16: bool = False) -> tuple[float, int, int]:
    """(seconds, real tokens, slots) of one optimizer step per batch; `bf16`: under bf16 autocast."""
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4)
    model.train()
    tokens = slots = 0
    start = time.perf_counter()
    for rows in batches:
        batch = collate([{"input_ids": r["input_ids"], "labels": r["labels"]} for r in rows])
        real, total = real_tokens(batch)
        tokens, slots = tokens + real, slots + total
        with torch.autocast(model.device.type, dtype=torch.bfloat16, enabled=bf16):
            model(**batch).loss.backward()
        opt.step()
        opt.zero_grad()
    return time.perf_counter() - start, tokens, slots


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=None)
    ap.add_argument("--recipe", default="default")
    ap.add_argument("--steps", type=int, default=4)
    args = ap.parse_args()
    recipe = load_recipe(RECIPES / f"{args.recipe}.yaml")
    recipe = recipe.with_overrides(base_model=args.model)
    source = resolve_model(recipe.base_model)
    tok = load_tokenizer(source)
    rows = synth.synthesize(synth.load_domain(REPO / "benchmarks" / "banking"), synth.SynthSettings()).splits["train"]
    domain = synth.load_domain(REPO / "benchmarks" / "banking")
    from synth._export import with_formats

    fmt = source.prompt_format if recipe.prompt_format == "auto" else recipe.prompt_format
    examples = [tokenize_row(with_formats(domain, r), tok, fmt, recipe.sequence_len, False, False) for r in rows]
    examples = [e for e in examples if has_target(e)]
    n = recipe.micro_batch_size * args.steps
    sample = random.Random(0).sample(examples, n * 4)
    # Baseline: the first n rows in random order, each padded to sequence_len.
    baseline_batches = [sample[i : i + recipe.micro_batch_size] for i in range(0, n, recipe.micro_batch_size)]
    # Length-grouped: a megabatch of 4x the rows sorted by length, then cut into batches (as the
    # Trainer's LengthGroupedSampler does); the first `steps` batches of a random draw of them.
    ordered = sorted(sample, key=lambda e: len(e["input_ids"]))
    grouped = [ordered[i : i + recipe.micro_batch_size] for i in range(0, len(ordered), recipe.micro_batch_size)]
    grouped_batches = random.Random(1).sample(grouped, args.steps)

    layers = None
    model, _ = prepare(source, recipe, layers)
    packable(model.base_model.model)  # no KV cache in training: packed rows stay apart
    torch.manual_seed(0)
    measure(model, grouped_batches[:1], PadCollator(tok.pad_token_id))  # warm-up
    results = {}
    for name, batches, collate in (
        ("padded to max length", baseline_batches, PadCollator(tok.pad_token_id, pad_to=recipe.sequence_len)),
        ("length-grouped", grouped_batches, PadCollator(tok.pad_token_id)),
        ("packed", baseline_batches, packing_collator(source.model_type)),
    ):
        seconds, tokens, slots = measure(model, batches, collate)
        results[name] = tokens / seconds
        print(
            f"{name:22s} {args.steps} steps x {recipe.micro_batch_size} rows: {tokens} real tokens in {slots} "
            f"slots (padding {1 - tokens / slots:.1%}), {seconds:.1f} s, {tokens / seconds:.1f} effective tokens/s"
        )
    base = results["padded to max length"]
    print(
        f"ratio: length-grouped / padded-to-max = {results['length-grouped'] / base:.2f}x, "
        f"packed / padded-to-max = {results['packed'] / base:.2f}x, packed / length-grouped = "
        f"{results['packed'] / results['length-grouped']:.2f}x  (model {source.spec}, recipe {recipe.name}, "
        f"sequence_len {recipe.sequence_len}, {torch.get_num_threads()} threads)"
    )


if __name__ == "__main__":
    main()
