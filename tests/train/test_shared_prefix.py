"""Rows with `branches`: one sequence per row (the shared prefix once), and each branch's loss is
the loss of that branch trained alone; the mask is what makes it so."""

import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from tests.tiny_models import make_tiny_llama
from train import TrainError
from train._packing import real_tokens
from train._shared_prefix import SharedPrefixCollator, tokenize_branches
from train._tokenize import IGNORE, tokenize_row

SYSTEM = {"role": "system", "content": "Reply with one word: yes or no."}


def _branches(answer: str, questions: list[tuple[str, str]]) -> dict:
    return {"branches": [[SYSTEM, {"role": "user", "content": f"Answer:\n{answer}\n\nQuestion: {q}"},
                          {"role": "assistant", "content": label}] for q, label in questions]}  # fmt: skip


ROWS = [
    _branches(
        "Freeze the card in the app.",
        [("Is it on topic?", "yes"), ("Does it ask for a PIN?", "no"), ("Is it a refusal?", "no")],
    ),  # fmt: skip
    _branches("I cannot help with that.", [("Is it a refusal?", "yes"), ("Is it on topic?", "no")]),
]


def _loss_sum(model, ids, labels):
    out = model(input_ids=torch.tensor([ids]), labels=torch.tensor([labels]))
    return float(out.loss) * sum(1 for t in labels[1:] if t != IGNORE), sum(1 for t in labels[1:] if t != IGNORE)


def test_each_branch_has_its_own_loss_and_the_prefix_is_there_once(tmp_path):
    folder = make_tiny_llama(tmp_path / "tiny")
    tok = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32, attn_implementation="sdpa").eval()
    feats = [tokenize_branches(r, tok, "chat", 1024, False) for r in ROWS]
    singles = [tokenize_row({"messages": m}, tok, "chat", 1024, False, False) for r in ROWS for m in r["branches"]]
    assert sum(f["length"] for f in feats) < 0.6 * sum(len(s["input_ids"]) for s in singles)
    with torch.no_grad():
        alone = [_loss_sum(model, s["input_ids"], s["labels"]) for s in singles]
        expected = sum(a for a, _ in alone) / sum(n for _, n in alone)
        batch = SharedPrefixCollator(tok.pad_token_id)(feats)
        shared = float(model(**batch).loss)
        # without the mask's branch separation, later branches see the earlier ones
        leaky = {**batch, "attention_mask": torch.tril(torch.ones_like(batch["attention_mask"]))}
        leaky_loss = float(model(**leaky).loss)
    assert shared == pytest.approx(expected, rel=1e-5)
    assert abs(leaky_loss - expected) > 1e-4
    assert real_tokens(batch)[0] == sum(f["length"] for f in feats)  # the pad slots are not counted


def test_a_single_branch_is_the_plain_row_and_train_on_inputs_is_refused(tmp_path):
    tok = AutoTokenizer.from_pretrained(make_tiny_llama(tmp_path / "tiny"))
    row = _branches("Freeze it.", [("Is it on topic?", "yes")])
    one = tokenize_branches(row, tok, "chat", 1024, False)
    plain = tokenize_row({"messages": row["branches"][0]}, tok, "chat", 1024, False, False)
    assert (one["input_ids"], one["labels"]) == (plain["input_ids"], plain["labels"])
    assert one["position_ids"] == list(range(len(plain["input_ids"])))
    with pytest.raises(TrainError, match="train_on_inputs"):
        tokenize_branches(row, tok, "chat", 1024, True)
