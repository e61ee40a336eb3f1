"""Answer generation throughput on the same model and prompts, measured side by side:
  - transformers generate, one prompt at a time (what the seed systems do);
  - the answers stage's batched generate (left padding, prompts sorted by length);
  - llama.cpp (llama-cpp-python), one prompt at a time, on the model's own GGUF;
  - with --merged: a tuned adapter (a LoRA of the default recipe's shape, nonzero weights) answered
    as a PEFT model and merged into the weights (`merge_adapter`, the answers stage's default):
    tokens/s of each and how many greedy answers are identical;
  - with --served: base and a tuned adapter (a LoRA of the default recipe's shape) answered the
    way the answers stage could answer them on an engine: batched transformers (base, and base +
    PEFT adapter) against llama.cpp's server with the base GGUF and the adapter as a LoRA GGUF,
    through the endpoint-contestant path (`answers/_served.py`, 16 requests in flight);
  - with --drop-finished: the answers stage's batched generate with finished rows kept in the batch
    until its longest answer ends, and dropped from it (`drop_finished`, the default): tokens/s of
    each and how many greedy answers are identical, for the base model and, with --adapter, for a
    trained adapter merged into it (the run's tuned contestant; answer lengths differ most there).
Greedy decoding, the same max_new_tokens; tokens/s counts generated tokens.

    python perf/generation_throughput.py [--prompts 24] [--max-new-tokens 48] [--batch-size 24] [--merged] [--served]
    python perf/generation_throughput.py --drop-finished --prompts 96 --max-new-tokens 226 --batch-size 48 \
        [--adapter runs/banking/train-<key>/adapter]
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
    ap.add_argument("--merged", action="store_true", help="also a tuned adapter, as a PEFT model and merged")
    ap.add_argument("--served", action="store_true", help="also base and tuned through llama.cpp's server")
    ap.add_argument(
        "--drop-finished",
        action="store_true",
        help="only: finished rows kept in the batch against dropped from it (base, and --adapter)",
    )
    ap.add_argument("--adapter", type=Path, help="with --drop-finished: a trained PEFT adapter, answered merged")
    args = ap.parse_args()
    domain = synth.load_domain(REPO / "benchmarks" / "banking")
    rows = synth.synthesize(domain, synth.SynthSettings()).splits["test"][: args.prompts]
    source = resolve_model("smollm2-135m")
    tok = load_tokenizer(source)
    texts = [build_prompt(with_formats(domain, r), tok, "chat") for r in rows]
    prompts = [prompt_ids(with_formats(domain, r), tok, "chat", seq2seq=False) for r in rows]
    model = load_base(source)
    if args.drop_finished:
        drop_finished(source, tok, model, prompts, args)
        return
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
    if args.merged:
        merged(source, tok, prompts, args)
    if args.served:
        served(domain, rows, source, tok, model, prompts, args)


def drop_finished(source, tok, model, prompts, args) -> None:
    """Finished rows kept in generate's batch until the longest answer ends, against dropped from it and
    from the KV cache (answers/_local.py): speed, and identical greedy answers, per contestant."""
    from peft import PeftModel

    from answers._run import merged_adapter

    contestants = {"base": model}
    if args.adapter:
        tuned = PeftModel.from_pretrained(load_base(source), args.adapter).eval()
        contestants["tuned (merged)"] = merged_adapter(tuned)
    for who, m in contestants.items():
        runs = {}
        for name, drop in (("kept", False), ("dropped", True)):
            settings = GenerationSettings(max_new_tokens=args.max_new_tokens, batch_size=args.batch_size,
                                          drop_finished=drop)  # fmt: skip
            start = time.perf_counter()
            out = generate(m, tok, prompts, settings)
            seconds = time.perf_counter() - start
            tokens = sum(o["answer_tokens"] for o in out)
            runs[name] = (tokens / seconds, [o["answer"] for o in out])
            cut = sum(o["truncated"] for o in out)
            print(f"{who}, finished rows {name:8s} {tokens} tokens in {seconds:.1f} s = {runs[name][0]:.1f} tokens/s"
                  f" ({cut} of {len(out)} answers reached the cap)")  # fmt: skip
        same = sum(a == b for a, b in zip(runs["kept"][1], runs["dropped"][1], strict=True))
        print(
            f"ratio {who}: dropped / kept = {runs['dropped'][0] / runs['kept'][0]:.2f}x; "
            f"identical greedy answers: {same} of {len(prompts)}"
        )


def merged(source, tok, prompts, args) -> None:
    """A tuned adapter answering as a PEFT model (a LoRA forward beside every adapted layer) and merged
    into the weights (answers/_run.py, `merge_adapter`): speed, and identical greedy answers."""
    import tempfile

    import torch
    from peft import LoraConfig, PeftModel, get_peft_model

    from answers._run import merged_adapter

    settings = GenerationSettings(max_new_tokens=args.max_new_tokens, batch_size=args.batch_size)
    with tempfile.TemporaryDirectory() as tmp:
        # the default recipe's shape (r 16, alpha 32, every linear layer of the last half); B is random
        # and small, as after training, so the merged weights differ from the base's
        layers = load_base(source).config.num_hidden_layers
        linear = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
        config = LoraConfig(r=16, lora_alpha=32, target_modules=linear, init_lora_weights=False,
                            layers_to_transform=list(range(layers // 2, layers)))  # fmt: skip
        peft = get_peft_model(load_base(source), config)
        torch.manual_seed(0)
        with torch.no_grad():
            for name, param in peft.named_parameters():
                if "lora_B" in name:
                    param.normal_(0.0, 0.002)
        peft.save_pretrained(f"{tmp}/adapter", safe_serialization=True)
        runs = {}
        for name in ("PEFT model", "merged"):
            model = PeftModel.from_pretrained(load_base(source), f"{tmp}/adapter").eval()
            if name == "merged":
                model = merged_adapter(model)
            start = time.perf_counter()
            out = generate(model, tok, prompts, settings)
            seconds = time.perf_counter() - start
            tokens = sum(o["answer_tokens"] for o in out)
            runs[name] = (tokens / seconds, [o["answer"] for o in out])
            print(f"tuned, {name:22s} {tokens} tokens in {seconds:.1f} s = {runs[name][0]:.1f} tokens/s")
    same = sum(a == b for a, b in zip(runs["PEFT model"][1], runs["merged"][1], strict=True))
    print(
        f"ratio: merged / PEFT model = {runs['merged'][0] / runs['PEFT model'][0]:.2f}x; "
        f"identical greedy answers: {same} of {len(prompts)}"
    )


def served(domain, rows, source, tok, model, prompts, args) -> None:
    """Base and tuned, batched transformers against llama.cpp's server through the endpoint path."""
    import tempfile

    from peft import LoraConfig, PeftModel, get_peft_model

    from answers._endpoint import endpoint_answers
    from answers._served import served_contestants

    settings = GenerationSettings(max_new_tokens=args.max_new_tokens, batch_size=args.batch_size)
    with tempfile.TemporaryDirectory() as tmp:
        # the default recipe's adapter shape (r 16, every linear layer); its weights do not change the cost
        peft = get_peft_model(model, LoraConfig(r=16, lora_alpha=32, target_modules="all-linear"))
        peft.save_pretrained(f"{tmp}/adapter", safe_serialization=True)
        tuned = PeftModel.from_pretrained(load_base(source), f"{tmp}/adapter").eval()
        rates = {}
        for name, m in (("base", load_base(source)), ("tuned", tuned)):
            start = time.perf_counter()
            out = generate(m, tok, prompts, settings)
            rates[f"transformers {name}"] = sum(o["answer_tokens"] for o in out) / (time.perf_counter() - start)
        chat_rows = [with_formats(domain, r) for r in rows]
        with served_contestants(gguf_path("smollm2-135m"), {"tuned": Path(tmp) / "adapter"},
                                source.path / "config.json", Path(tmp) / "lora") as engines:  # fmt: skip
            for name, contestant in engines.items():
                start = time.perf_counter()
                out = endpoint_answers(contestant, chat_rows, settings, Path(tmp) / name)
                seconds = time.perf_counter() - start
                assert all(o["status"] == "ok" for o in out), [o["reason"] for o in out if o["status"] != "ok"]
                rates[f"llama.cpp server {name}"] = sum(o["answer_tokens"] for o in out) / seconds
    for name, rate in rates.items():
        print(f"{name:32s} {rate:.1f} tokens/s")
    for name in ("base", "tuned"):
        ratio = rates[f"transformers {name}"] / rates[f"llama.cpp server {name}"]
        print(f"ratio {name}: batched transformers / llama.cpp server (Q4_1 GGUF + LoRA GGUF) = {ratio:.2f}x")


if __name__ == "__main__":
    main()
