"""The GPU table of the speed issue, for whatever CUDA device this machine has: QLoRA training
tokens/s (non-pad) padded vs `sample_packing`, and greedy answers tokens/s in float32 vs bfloat16
with peak GPU memory, for random-weight models of real shapes (quality numbers from them mean
nothing; speed and memory do). Ratios are measured side by side in one run.

    python perf/gpu.py [--shapes 135m,3b,8b] [--steps 10] [--tokenizer FOLDER]
    python perf/gpu.py --cpu-smoke        # the same code on a tiny shape on the CPU (a check, no figures)
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import synth  # noqa: E402
from answers import GenerationSettings  # noqa: E402
from answers._local import generate  # noqa: E402
from synth._export import with_formats  # noqa: E402
from train import RECIPES as SHARED_RECIPES  # noqa: E402
from train import load_recipe, resolve_model  # noqa: E402
from train._collate import PadCollator  # noqa: E402
from train._model import load_base, load_tokenizer, prepare  # noqa: E402
from train._packing import packable, packing_collator, real_tokens  # noqa: E402
from train._precision import mixed_bf16  # noqa: E402
from train._tokenize import has_target, prompt_ids, tokenize_row  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
# Llama shapes: SmolLM2-135M, Llama-3.2-3B, Llama-3.1-8B (hidden, intermediate, layers, heads, kv heads)
SHAPES = {
    "tiny": (64, 128, 2, 4, 2),
    "135m": (576, 1536, 30, 9, 3),
    "3b": (3072, 8192, 28, 24, 8),
    "8b": (4096, 14336, 32, 32, 8),
}
RECIPES = {"tiny": "default", "135m": "default", "3b": "bankllama", "8b": "llama_finance"}


def random_model(shape: str, tokenizer_dir: Path, out: Path) -> Path:
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    hidden, inter, layers, heads, kv = SHAPES[shape]
    tok = AutoTokenizer.from_pretrained(tokenizer_dir)
    config = LlamaConfig(hidden_size=hidden, intermediate_size=inter, num_hidden_layers=layers,
                         num_attention_heads=heads, num_key_value_heads=kv, vocab_size=len(tok),
                         max_position_embeddings=4096, bos_token_id=tok.bos_token_id,
                         eos_token_id=tok.eos_token_id, tie_word_embeddings=shape != "8b")  # fmt: skip
    torch.manual_seed(0)
    with torch.device("cuda" if torch.cuda.is_available() else "cpu"):
        model = LlamaForCausalLM(config).to(torch.bfloat16)
    model.save_pretrained(out, safe_serialization=True)
    tok.save_pretrained(out)
    return out


def train_rate(source, recipe, examples, steps: int, packed: bool, pad_id: int) -> tuple[float, float]:
    """(non-pad tokens/s, peak GPU GiB) of `steps` optimizer steps, padded or packed."""
    model, _ = prepare(source, recipe, None)
    packable(model.base_model.model)
    collate = packing_collator(source.model_type) if packed else PadCollator(pad_id)
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4)
    n = recipe.micro_batch_size
    batches = [examples[i * n : (i + 1) * n] for i in range(steps + 1)]
    tokens, began = 0, None
    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()
    for i, rows in enumerate(batches):
        if i == 1:  # the first step warms up kernels and allocator
            if torch.cuda.is_available():
                torch.cuda.synchronize()
            tokens, began = 0, time.perf_counter()
        batch = {
            k: v.to(model.device)
            for k, v in collate([{"input_ids": r["input_ids"], "labels": r["labels"]} for r in rows]).items()
        }
        tokens += real_tokens(batch)[0]
        with torch.autocast(model.device.type, dtype=torch.bfloat16, enabled=mixed_bf16(recipe)):
            model(**batch).loss.backward()
        opt.step()
        opt.zero_grad()
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    peak = torch.cuda.max_memory_allocated() / 2**30 if torch.cuda.is_available() else float("nan")
    del model, opt
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
    return tokens / (time.perf_counter() - began), peak


def answer_rate(source, tok, prompts, dtype: str, batch: int, new_tokens: int) -> tuple[float, float]:
    model = load_base(source, dtype=dtype)
    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()
    began = time.perf_counter()
    out = generate(model, tok, prompts, GenerationSettings(max_new_tokens=new_tokens, batch_size=batch, dtype=dtype))
    seconds = time.perf_counter() - began
    peak = torch.cuda.max_memory_allocated() / 2**30 if torch.cuda.is_available() else float("nan")
    del model
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
    return sum(o["answer_tokens"] for o in out) / seconds, peak


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shapes", default="135m,3b,8b")
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--answers", type=int, default=200, help="prompts answered per dtype")
    ap.add_argument("--new-tokens", type=int, default=128)
    ap.add_argument("--tokenizer", default=None, help="a folder with tokenizer files (default: the shipped SmolLM2's)")
    ap.add_argument(
        "--cpu-smoke", action="store_true", help="run the tiny shape on the CPU: checks the code, no figures"
    )
    args = ap.parse_args()
    if not torch.cuda.is_available() and not args.cpu_smoke:
        sys.exit("perf/gpu.py: no CUDA device here (use --cpu-smoke to check the script on the CPU)")
    shapes = ["tiny"] if args.cpu_smoke else args.shapes.split(",")
    steps, n_answers, new_tokens = (2, 4, 4) if args.cpu_smoke else (args.steps, args.answers, args.new_tokens)
    tokenizer_dir = Path(args.tokenizer) if args.tokenizer else resolve_model("smollm2-135m").path
    domain = synth.load_domain(REPO / "benchmarks" / "banking")
    splits = synth.synthesize(domain, synth.SynthSettings()).splits
    device = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "CPU (smoke run)"
    print(
        f"| shape | recipe | train padded tok/s | train packed tok/s | packed / padded | answers fp32 tok/s (GiB) "
        f"| answers bf16 tok/s (GiB) | bf16 / fp32 |  ({device})"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for shape in shapes:
        with tempfile.TemporaryDirectory() as tmp:
            folder = random_model(shape, tokenizer_dir, Path(tmp) / shape)
            recipe = load_recipe(SHARED_RECIPES / f"{RECIPES[shape]}.yaml")
            recipe = recipe.with_overrides(base_model=str(folder))  # every layer: prepare() is given no selection
            if args.cpu_smoke:
                recipe = recipe.with_overrides(micro_batch_size=2)
            source = resolve_model(str(folder))
            tok = load_tokenizer(source)
            fmt = source.prompt_format if recipe.prompt_format == "auto" else recipe.prompt_format
            rows = random.Random(0).sample(
                splits["train"], min(len(splits["train"]), recipe.micro_batch_size * (steps + 1))
            )
            examples = [
                tokenize_row(with_formats(domain, r), tok, fmt, recipe.sequence_len, False, False) for r in rows
            ]
            examples = [e for e in examples if has_target(e)]
            padded, _ = train_rate(source, recipe, examples, steps, False, tok.pad_token_id)
            packed, peak = train_rate(source, recipe, examples, steps, True, tok.pad_token_id)
            prompts = [
                prompt_ids(with_formats(domain, r), tok, "chat", seq2seq=False) for r in splits["test"][:n_answers]
            ]
            fp32, fp32_gib = answer_rate(source, tok, prompts, "float32", 48, new_tokens)
            bf16, bf16_gib = answer_rate(source, tok, prompts, "bfloat16", n_answers, new_tokens)
            print(
                f"| {shape} | {recipe.name} | {padded:,.0f} | {packed:,.0f} (peak {peak:.1f} GiB) "
                f"| {packed / padded:.2f}x "
                f"| {fp32:,.0f} ({fp32_gib:.1f}) | {bf16:,.0f} ({bf16_gib:.1f}) | {bf16 / fp32:.2f}x |",
                flush=True,
            )


if __name__ == "__main__":
    main()
