"""Tokenising with completion-only labels: prompt tokens get -100 unless train_on_inputs."""

from __future__ import annotations

from ._prompt import build_completion, build_prompt

IGNORE = -100


def tokenize_row(row: dict, tokenizer, fmt: str, seq_len: int, train_on_inputs: bool, seq2seq: bool) -> dict:
    prompt = build_prompt(row, tokenizer, fmt)
    completion = build_completion(row, tokenizer, fmt, seq2seq)
    if seq2seq:
        input_ids = tokenizer(prompt, truncation=True, max_length=seq_len)["input_ids"]
        labels = tokenizer(text_target=completion, truncation=True, max_length=seq_len)["input_ids"]
        return {"input_ids": input_ids, "labels": labels, "length": len(input_ids) + len(labels)}
    prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    bos = tokenizer.bos_token_id
    if bos is not None and fmt != "chat" and (not prompt_ids or prompt_ids[0] != bos):
        prompt_ids = [bos, *prompt_ids]
    completion_ids = tokenizer(completion, add_special_tokens=False)["input_ids"]
    input_ids = (prompt_ids + completion_ids)[:seq_len]
    prompt_labels = list(prompt_ids) if train_on_inputs else [IGNORE] * len(prompt_ids)
    labels = (prompt_labels + completion_ids)[:seq_len]
    return {"input_ids": input_ids, "labels": labels, "length": len(input_ids)}


def has_target(example: dict) -> bool:
    """False when truncation left no token to learn from."""
    return any(t != IGNORE for t in example["labels"])
