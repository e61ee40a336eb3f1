"""Completion-only logits: the head runs on the label positions alone, and the loss and the LoRA
gradients are those of the full forward (padded, shared-prefix and packed batches; with and without
num_items_in_batch, as the Trainer passes it under gradient accumulation)."""

import pytest
import torch
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, AutoModelForSeq2SeqLM, AutoTokenizer, BartConfig, BartForCausalLM

from tests.tiny_models import make_tiny_llama, make_tiny_t5
from train._collate import PadCollator
from train._head import completion_only, supports_completion_logits
from train._packing import packable, packing_collator
from train._shared_prefix import SharedPrefixCollator, tokenize_branches
from train._tokenize import IGNORE, tokenize_row

PAIRS = [
    ("I lost my card and I need to know what to do about it today.", "Freeze it in the app now."),
    ("What is the fee for a wire?", "$25 for an outgoing domestic wire, $45 for an international one."),
    ("Hi", "Hello! How can I help with your account today?"),
]
ROWS = [{"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}]} for q, a in PAIRS]
SYSTEM = {"role": "system", "content": "Reply with one word: yes or no."}
BRANCHED = [
    {"branches": [[SYSTEM, {"role": "user", "content": f"Answer:\n{a}\n\nQuestion: {q}"},
                   {"role": "assistant", "content": label}] for q, label in (("On topic?", "yes"), ("A PIN?", "no"))]}
    for a in ("Freeze the card in the app.", "I cannot help with that, sorry, please ask elsewhere.")
]  # fmt: skip


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    folder = make_tiny_llama(tmp_path_factory.mktemp("head") / "tiny")
    return folder, AutoTokenizer.from_pretrained(folder)


def _lora(folder):
    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32, attn_implementation="sdpa")
    model = get_peft_model(model, LoraConfig(r=4, target_modules=["q_proj", "v_proj", "down_proj"]))
    for name, p in model.named_parameters():  # B starts at zero; give it values so A's gradient is not zero
        if "lora_B" in name:
            torch.nn.init.normal_(p, std=0.02)
    return packable(model)


def _loss_and_grads(model, batch: dict, **kw) -> tuple[float, dict, tuple]:
    model.zero_grad()
    out = model(**batch, **kw)
    out.loss.backward()
    grads = {n: p.grad.clone() for n, p in model.named_parameters() if p.requires_grad}
    return float(out.loss.detach()), grads, tuple(out.logits.shape)


def _batches(tok):
    feats = [tokenize_row(r, tok, "chat", 1024, False, False) for r in ROWS]
    return {
        "padded": PadCollator(tok.pad_token_id)(feats),
        "packed": packing_collator("causal")(feats),
        "shared prefix": SharedPrefixCollator(tok.pad_token_id)(
            [tokenize_branches(r, tok, "chat", 1024, False) for r in BRANCHED]
        ),
    }


@pytest.mark.parametrize("kind", ["padded", "packed", "shared prefix"])
@pytest.mark.parametrize("num_items", [None, 7])
def test_the_loss_and_gradients_are_the_full_forwards(tiny, kind, num_items):
    folder, tok = tiny
    model = _lora(folder)
    assert supports_completion_logits(model)
    batch = _batches(tok)[kind]
    kw = {} if num_items is None else {"num_items_in_batch": torch.tensor(num_items)}
    full_loss, full_grads, full_shape = _loss_and_grads(model, batch, **kw)
    sliced = completion_only(batch)
    kept = sliced["logits_to_keep"]
    loss, grads, shape = _loss_and_grads(model, sliced, **kw)
    labels = batch["labels"]
    targets = int((labels[:, 1:] != IGNORE).sum())
    assert shape[1] == len(kept) < full_shape[1]  # the head ran on fewer positions
    assert int((sliced["shift_labels"] != IGNORE).sum()) == targets  # every target kept, once
    assert loss == pytest.approx(full_loss, rel=1e-5)
    for name, g in full_grads.items():
        torch.testing.assert_close(grads[name], g, rtol=1e-4, atol=1e-6)


def test_the_check_can_fail_a_dropped_position_changes_the_loss(tiny):
    folder, tok = tiny
    model = _lora(folder)
    batch = _batches(tok)["padded"]
    sliced = completion_only(batch)
    short = {
        **sliced,
        "logits_to_keep": sliced["logits_to_keep"][1:],
        "shift_labels": sliced["shift_labels"][:, 1:].contiguous(),
    }
    with torch.no_grad():
        assert float(model(**short).loss) != pytest.approx(float(model(**sliced).loss), rel=1e-5)


def test_batches_it_cannot_shrink_pass_unchanged(tiny):
    _, tok = tiny
    batch = _batches(tok)["padded"]
    unlabelled = {k: v for k, v in batch.items() if k != "labels"}
    assert completion_only(unlabelled) is unlabelled
    nothing = {**batch, "labels": torch.full_like(batch["labels"], IGNORE)}
    assert completion_only(nothing) is nothing
    chosen = {**batch, "shift_labels": batch["labels"]}  # context parallelism chose them already
    assert completion_only(chosen) is chosen
    every = {**batch, "labels": batch["input_ids"].clone()}  # train_on_inputs: every position is a label
    assert len(completion_only(every)["logits_to_keep"]) == every["labels"].shape[1] - 1  # the last has no next


def test_an_encoder_decoder_or_a_model_with_its_own_loss_keeps_its_own_forward(tmp_path):
    model = AutoModelForSeq2SeqLM.from_pretrained(make_tiny_t5(tmp_path / "t5"), dtype=torch.float32)
    assert not supports_completion_logits(model)
    sizes = {"decoder_layers": 1, "decoder_attention_heads": 2, "decoder_ffn_dim": 32, "encoder_layers": 1}
    bart = BartForCausalLM(
        BartConfig(vocab_size=64, d_model=16, encoder_attention_heads=2, encoder_ffn_dim=32, **sizes)
    )
    assert not supports_completion_logits(bart)  # it takes logits_to_keep but computes its own loss from labels
