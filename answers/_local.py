"""Answers of a local model (a Hugging Face folder, with or without a PEFT adapter): greedy,
batched, prompts sorted by length. The prompt ids are the training prompt's ids
(`train._tokenize.prompt_ids`); generation stops on every EOS id of the model's generation
config; seq2seq models return decoder tokens only; an answer that reached the cap is marked, and
so is one in which the loop guard (`_loop_guard.py`) had to block a verbatim repeat."""

from __future__ import annotations

import time
from collections.abc import Callable

import torch
from transformers import LogitsProcessorList

from ._loop_guard import AnswerLoopGuard
from ._settings import GenerationSettings


def stop_ids(model, tokenizer) -> list[int]:
    """Every id that ends an answer: the generation config's EOS id(s) and the tokenizer's."""
    ids = getattr(model.generation_config, "eos_token_id", None)
    ids = list(ids) if isinstance(ids, (list, tuple)) else ([] if ids is None else [ids])
    if tokenizer.eos_token_id is not None:
        ids.append(tokenizer.eos_token_id)
    return sorted(set(ids))


def _pad(batch: list[list[int]], pad_id: int, left: bool) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(len(ids) for ids in batch)
    input_ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(batch), width), dtype=torch.long)
    for row, ids in enumerate(batch):
        span = slice(width - len(ids), width) if left else slice(0, len(ids))
        input_ids[row, span] = torch.tensor(ids, dtype=torch.long)
        mask[row, span] = 1
    return input_ids, mask


def generate(
    model,
    tokenizer,
    prompts: list[list[int]],
    settings: GenerationSettings,
    progress: Callable[[int], None] | None = None,
    on_batch: Callable[[list[int], list[dict]], None] | None = None,
) -> list[dict]:
    """One record per prompt (token ids), in the input order: answer, token counts, whether the
    answer was cut at max_new_tokens, whether the loop guard blocked a repeat (None when off), and
    the seconds of its batch. `on_batch(indices, records)`
    is called after each batch, so a caller can keep what is done before the rest is."""
    if settings.max_new_tokens is None:
        raise ValueError("max_new_tokens is not resolved (the answers stage derives it from the references)")
    seq2seq = bool(getattr(model.config, "is_encoder_decoder", False))
    stops = stop_ids(model, tokenizer)
    if not stops:
        raise ValueError("the model has no EOS token: an answer could never end before the cap")
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else stops[0]
    device = next(model.parameters()).device
    order = sorted(range(len(prompts)), key=lambda i: -len(prompts[i]))
    results: list[dict | None] = [None] * len(prompts)
    model.eval()
    for start in range(0, len(order), settings.batch_size):
        idx = order[start : start + settings.batch_size]
        # Decoder-only models continue from the right edge, so pad on the left; an encoder does not care.
        input_ids, mask = _pad([prompts[i] for i in idx], pad_id, left=not seq2seq)
        began = time.perf_counter()
        guard = None
        if settings.loop_guard_ngram:
            # generate's input_ids are prompt + answer (decoder-only) or start token + answer (seq2seq)
            answer_start = 1 if seq2seq else input_ids.shape[1]
            guard = AnswerLoopGuard(settings.loop_guard_ngram, answer_start, stops, len(idx))
        with torch.no_grad():
            out = model.generate(
                input_ids=input_ids.to(device),
                attention_mask=mask.to(device),
                max_new_tokens=settings.max_new_tokens,
                do_sample=not settings.greedy,
                eos_token_id=stops,
                pad_token_id=pad_id,
                logits_processor=LogitsProcessorList([guard] if guard else []),
            )
        seconds = time.perf_counter() - began
        # generate returns prompt + answer for a decoder-only model, and for an encoder-decoder
        # model the decoder's start token + answer.
        new = out[:, 1:] if seq2seq else out[:, input_ids.shape[1] :]
        for row, i in enumerate(idx):
            tokens = new[row].tolist()
            end = next((k for k, t in enumerate(tokens) if t in stops), None)
            answer = tokens if end is None else tokens[:end]
            results[i] = {
                "answer": tokenizer.decode(answer, skip_special_tokens=True).strip(),
                "prompt_tokens": len(prompts[i]),
                "answer_tokens": len(answer),
                "truncated": end is None and len(tokens) >= settings.max_new_tokens,
                "loop_blocked": bool(guard.blocked[row]) if guard else None,
                "batch_seconds": round(seconds, 3),
            }
        if on_batch:
            on_batch(idx, [results[i] for i in idx])
        if progress:
            progress(len(idx))
    return results
