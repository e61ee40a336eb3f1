"""Answers of a local model (a Hugging Face folder, with or without a PEFT adapter): greedy,
batched, prompts sorted by length. The prompt ids are the training prompt's ids
(`train._tokenize.prompt_ids`); generation stops on every EOS id of the model's generation
config; seq2seq models return decoder tokens only; an answer that reached the cap is marked, and
so is one in which the loop guard (`_loop_guard.py`) had to block a verbatim repeat.

Finished rows leave the batch (`GenerationSettings.drop_finished`, decoder-only models): `generate`
keeps computing a row that has stopped until the whole batch has, so a batch of short answers and
one that runs to the cap costs the cap for every row. Here generate is stopped once a quarter of
its rows are done, those rows are taken out of the batch and of its KV cache
(`Cache.batch_select_indices`), and generate goes on with the rest from the same cache (a dynamic
cache of attention layers; a static cache, or a recurrent layer's state, keeps the whole batch). transformers'
continuous batching (`generate_batch`) would also refill the batch, but it takes only the logits
processors it builds from a generation config, not the loop guard."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import torch
import transformers
from packaging.version import Version
from transformers import DynamicCache, LogitsProcessorList, StoppingCriteria, StoppingCriteriaList
from transformers.cache_utils import DynamicLayer, DynamicSlidingWindowLayer

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


# generate takes and returns the KV cache as `cache` from transformers 5.24 (`past_key_values` before, and
# deprecated after); pyproject's floor is older
CACHE_FIELD = "cache" if Version(transformers.__version__).release[:2] >= (5, 24) else "past_key_values"
# The KV cache layers whose rows can be taken out (`batch_select_indices`): plain and sliding-window
# attention. Static, quantized and offloaded caches and linear-attention (recurrent) states cannot be.
ROW_SELECTABLE = (DynamicLayer, DynamicSlidingWindowLayer)
FINISHED_SHARE = 0.25  # generate is stopped, and its finished rows dropped, once this share of its rows is done


def _said_a_stop(answer: torch.Tensor, stops: list[int]) -> torch.Tensor:
    """Per row of generated tokens: whether it holds a stop id (the row is done)."""
    return torch.isin(answer, torch.tensor(stops, device=answer.device)).any(dim=-1)


def _rows_can_leave(cache) -> bool:
    return isinstance(cache, DynamicCache) and all(type(layer) in ROW_SELECTABLE for layer in cache.layers)


class _SomeFinished(StoppingCriteria):
    """Stops generate for every row once FINISHED_SHARE of the rows have said a stop id, so that the
    caller can drop those and go on with the others (which are not finished: the caller knows)."""

    def __init__(self, answer_start: int, stops: list[int]):
        self.answer_start = answer_start
        self.stops = stops

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor, **kwargs) -> torch.BoolTensor:
        done = _said_a_stop(input_ids[:, self.answer_start :], self.stops)
        enough = int(done.sum()) >= max(1, math.ceil(FINISHED_SHARE * input_ids.shape[0]))
        return torch.full((input_ids.shape[0],), enough, dtype=torch.bool, device=input_ids.device)


def _decode(
    model, input_ids: torch.Tensor, mask: torch.Tensor, settings: GenerationSettings, stops: list[int], pad_id: int,
    seq2seq: bool,
) -> tuple[list[list[int]], list[bool] | None]:  # fmt: skip
    """Each row's generated tokens (decoder tokens after the start token for seq2seq; possibly
    followed by padding after a stop id) and whether the loop guard blocked a repeat in it (None
    when the guard is off). Decoder-only rows leave the batch once they are done (drop_finished),
    where the model's KV cache is a dynamic one whose rows can be taken out; where a cache turns out
    not to be (a recurrent layer), the whole batch goes on from it as one generate call would."""
    cap = settings.max_new_tokens
    rows = input_ids.shape[0]
    # generate's input_ids are prompt + answer (decoder-only) or start token + answer (seq2seq)
    answer_start = 1 if seq2seq else input_ids.shape[1]
    generation_config = model.generation_config
    shrink = (
        settings.drop_finished
        and not seq2seq
        and generation_config.use_cache is not False
        and generation_config.cache_implementation in (None, "dynamic")  # a static cache cannot lose rows
    )
    live = list(range(rows))  # the original row of each row of the current batch
    tokens: list[list[int] | None] = [None] * rows
    blocked = [False] * rows
    cache = None
    while True:
        guard = None
        if settings.loop_guard_ngram:
            guard = AnswerLoopGuard(settings.loop_guard_ngram, answer_start, stops, len(live))
        done_so_far = 0 if seq2seq else input_ids.shape[1] - answer_start  # answer tokens already in input_ids
        with torch.no_grad():
            out = model.generate(
                input_ids=input_ids,
                attention_mask=mask,
                **{CACHE_FIELD: cache},
                max_new_tokens=cap - done_so_far,
                do_sample=not settings.greedy,
                eos_token_id=stops,
                pad_token_id=pad_id,
                logits_processor=LogitsProcessorList([guard] if guard else []),
                stopping_criteria=StoppingCriteriaList([_SomeFinished(answer_start, stops)] if shrink else []),
                return_dict_in_generate=True,
            )
        sequences = out.sequences  # prompt + answer; for seq2seq the decoder's start token + answer
        answer = sequences[:, answer_start:]
        finished = _said_a_stop(answer, stops) | (answer.shape[1] >= cap)
        cache = getattr(out, CACHE_FIELD)
        if not shrink:
            finished[:] = True
        elif not bool(finished.all()) and not _rows_can_leave(cache):
            # rows cannot leave this cache: the whole batch goes on from it (finished rows' tokens after their
            # stop id are cut, and the loop guard does not count them), as one generate call would
            shrink = False
            finished[:] = False
        for row, original in enumerate(live):
            if guard is not None:
                blocked[original] |= bool(guard.blocked[row])
            if finished[row]:
                tokens[original] = answer[row].tolist()
        if bool(finished.all()):
            break
        keep = (~finished).nonzero().squeeze(1)
        if shrink:
            cache.batch_select_indices(keep)
        grown = sequences.shape[1] - mask.shape[1]
        mask = torch.cat([mask[keep], mask.new_ones((len(keep), grown))], dim=1)
        input_ids = sequences[keep]
        live = [live[k] for k in keep.tolist()]
    assert all(t is not None for t in tokens), "every row has its tokens"
    return tokens, (blocked if settings.loop_guard_ngram else None)


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
        new, blocked = _decode(model, input_ids.to(device), mask.to(device), settings, stops, pad_id, seq2seq)
        seconds = time.perf_counter() - began
        for row, i in enumerate(idx):
            tokens = new[row]
            end = next((k for k, t in enumerate(tokens) if t in stops), None)
            answer = tokens if end is None else tokens[:end]
            results[i] = {
                "answer": tokenizer.decode(answer, skip_special_tokens=True).strip(),
                "prompt_tokens": len(prompts[i]),
                "answer_tokens": len(answer),
                "truncated": end is None and len(tokens) >= settings.max_new_tokens,
                "loop_blocked": blocked[row] if blocked is not None else None,
                "batch_seconds": round(seconds, 3),
            }
        if on_batch:
            on_batch(idx, [results[i] for i in idx])
        if progress:
            progress(len(idx))
    return results
