"""Label masking: completion-only by default, the end-of-turn token is learned, padding is ignored."""

from __future__ import annotations

import torch

from train import resolve_model
from train._collate import PadCollator
from train._model import load_tokenizer
from train._tokenize import IGNORE, has_target, tokenize_row

ROW = {
    "messages": [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Lost card?"},
        {"role": "assistant", "content": "Freeze it."},
    ],
    "instruction": "Lost card?",
    "input": "",
    "output": "Freeze it.",
}


def test_completion_only_labels(tiny_llama):
    tok = load_tokenizer(resolve_model(str(tiny_llama)))
    ex = tokenize_row(ROW, tok, "chat", 512, train_on_inputs=False, seq2seq=False)
    labels, ids = ex["labels"], ex["input_ids"]
    first = next(i for i, t in enumerate(labels) if t != IGNORE)
    assert all(t == IGNORE for t in labels[:first])
    assert tok.decode(ids[first:]) == "Freeze it.<|im_end|>"
    assert labels[first:] == ids[first:]
    assert labels[-1] == tok.eos_token_id  # the model learns to stop
    assert tok.decode(ids[:first]).endswith("<|im_start|>assistant\n")


def test_train_on_inputs_labels_everything(tiny_llama):
    tok = load_tokenizer(resolve_model(str(tiny_llama)))
    ex = tokenize_row(ROW, tok, "chat", 512, train_on_inputs=True, seq2seq=False)
    assert ex["labels"] == ex["input_ids"]


def test_truncation_can_leave_no_target(tiny_llama):
    tok = load_tokenizer(resolve_model(str(tiny_llama)))
    ex = tokenize_row(ROW, tok, "chat", 10, train_on_inputs=False, seq2seq=False)
    assert len(ex["input_ids"]) == 10 and not has_target(ex)


def test_plain_and_alpaca_formats(tiny_llama):
    tok = load_tokenizer(resolve_model(str(tiny_llama)))
    plain = tokenize_row(ROW, tok, "plain", 512, False, False)
    assert plain["input_ids"][0] == tok.bos_token_id
    assert tok.decode(plain["input_ids"]).endswith("Assistant: Freeze it.<|im_end|>")
    alpaca = tokenize_row(ROW, tok, "alpaca", 512, False, False)
    assert "### Instruction:\nLost card?" in tok.decode(alpaca["input_ids"])


def test_padding_is_masked_by_position_even_when_pad_equals_eos(tiny_llama):
    tok = load_tokenizer(resolve_model(str(tiny_llama)))
    short = tokenize_row(ROW, tok, "chat", 512, False, False)
    long_row = dict(ROW, messages=[*ROW["messages"][:2], {"role": "assistant", "content": "Freeze it now, please."}])
    long = tokenize_row(long_row, tok, "chat", 512, False, False)
    collate = PadCollator(pad_id=tok.eos_token_id)  # the SmolLM2 trap: pad == eos
    batch = collate([short, long])
    n = len(short["input_ids"])
    assert batch["labels"][0, n - 1] == tok.eos_token_id  # the real closing eos is still a target
    assert (batch["labels"][0, n:] == IGNORE).all() and (batch["attention_mask"][0, n:] == 0).all()
    assert collate.padding_fraction == (len(long["input_ids"]) - n) / (2 * len(long["input_ids"]))


def test_fixed_width_padding_for_the_baseline():
    collate = PadCollator(pad_id=0, pad_to=16)
    batch = collate([{"input_ids": [5, 6, 7], "labels": [IGNORE, 6, 7]}])
    assert batch["input_ids"].shape == (1, 16) and collate.padding_fraction == 13 / 16
    assert torch.equal(batch["labels"][0, :3], torch.tensor([IGNORE, 6, 7]))


def test_seq2seq_labels_are_the_response(tiny_t5):
    tok = load_tokenizer(resolve_model(str(tiny_t5)))
    ex = tokenize_row(ROW, tok, "instruction", 512, False, seq2seq=True)
    assert tok.decode(ex["input_ids"], skip_special_tokens=True) == "Instruction: Lost card? Response:"
    assert tok.decode(ex["labels"], skip_special_tokens=True) == "Freeze it."
