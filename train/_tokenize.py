"""Tokenising with completion-only labels: prompt tokens get -100 unless train_on_inputs.
`prompt_ids` is the one place a prompt becomes token ids: answering uses it too, so a model is
asked exactly the prompt it was trained on (BOS for non-chat formats, T5's closing EOS)."""

from __future__ import annotations

from ._prompt import build_completion, build_prompt

IGNORE = -100


def prompt_ids(row: dict, tokenizer, fmt: str, seq2seq: bool, seq_len: int | None = None) -> list[int]:
    """The token ids a model sees before its answer, in training and in answering alike."""
    prompt = build_prompt(row, tokenizer, fmt)
    if seq2seq:  # the encoder input, with the tokenizer's own special tokens (T5 closes with EOS)
        kwargs = {"truncation": True, "max_length": seq_len} if seq_len else {}
        return list(tokenizer(prompt, **kwargs)["input_ids"])
    ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    bos = tokenizer.bos_token_id
    if bos is not None and fmt != "chat" and (not ids or ids[0] != bos):
        ids = [bos, *ids]  # a chat template writes its own start token; other formats get BOS
    return list(ids)


def completion_ids(row: dict, tokenizer, fmt: str, seq2seq: bool, seq_len: int | None = None) -> list[int]:
    """The target's token ids (ending with EOS for causal models and, via the tokenizer, for T5)."""
    completion = build_completion(row, tokenizer, fmt, seq2seq)
    if seq2seq:
        kwargs = {"truncation": True, "max_length": seq_len} if seq_len else {}
        return list(tokenizer(text_target=completion, **kwargs)["input_ids"])
    return list(tokenizer(completion, add_special_tokens=False)["input_ids"])


def tokenize_row(row: dict, tokenizer, fmt: str, seq_len: int, train_on_inputs: bool, seq2seq: bool) -> dict:
    if seq2seq:
        input_ids = prompt_ids(row, tokenizer, fmt, True, seq_len)
        labels = completion_ids(row, tokenizer, fmt, True, seq_len)
        return {"input_ids": input_ids, "labels": labels, "length": len(input_ids) + len(labels)}
    prompt = prompt_ids(row, tokenizer, fmt, False)
    completion = completion_ids(row, tokenizer, fmt, False)
    input_ids = (prompt + completion)[:seq_len]
    prompt_labels = list(prompt) if train_on_inputs else [IGNORE] * len(prompt)
    labels = (prompt_labels + completion)[:seq_len]
    return {"input_ids": input_ids, "labels": labels, "length": len(input_ids)}


def has_target(example: dict) -> bool:
    """False when truncation left no token to learn from."""
    return any(t != IGNORE for t in example["labels"])
