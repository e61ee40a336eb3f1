"""sample_packing: a packed micro-batch (rows end to end, position ids restarting) gives the same loss
as the same rows one at a time, so no row attends to another; the padded batch agrees too."""

import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from tests.tiny_models import make_tiny_llama
from train import TrainError
from train._collate import PadCollator
from train._packing import packable, packing_collator, real_tokens
from train._tokenize import IGNORE, tokenize_row

PAIRS = [
    ("I lost my card.", "Freeze it in the app now."),
    ("What is the fee for a wire?", "$25 for an outgoing domestic wire."),
    ("Hi", "Hello! How can I help with your account today?"),
]
ROWS = [{"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}]} for q, a in PAIRS]


def _summed_loss(model, ids: list[int], labels: list[int]) -> tuple[float, int]:
    """(sum of token losses, label tokens) of one row alone."""
    out = model(input_ids=torch.tensor([ids]), labels=torch.tensor([labels]))
    n = sum(1 for t in labels[1:] if t != IGNORE)  # the model shifts: the first label is never predicted
    return float(out.loss) * n, n


@pytest.mark.parametrize("attention", ["sdpa", "eager"])
@pytest.mark.parametrize("train_on_inputs", [False, True])
def test_a_packed_batch_has_the_per_row_loss(tmp_path, attention, train_on_inputs):
    folder = make_tiny_llama(tmp_path / "tiny")
    tok = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32, attn_implementation=attention).eval()
    assert model.config.use_cache  # as most hub configs say: the case that leaks without `packable`
    feats = [tokenize_row(r, tok, "chat", 1024, train_on_inputs, False) for r in ROWS]
    with torch.no_grad():
        alone = [_summed_loss(model, f["input_ids"], f["labels"]) for f in feats]
        expected = sum(s for s, _ in alone) / sum(n for _, n in alone)
        packed = packing_collator("causal")(feats)
        assert packed["input_ids"].shape[0] == 1 and "attention_mask" not in packed
        assert real_tokens(packed) == (sum(len(f["input_ids"]) for f in feats),) * 2  # no pad slot
        cached_loss = float(model(**packed).loss)  # a KV cache hides the packing from the mask
        packed_loss = float(packable(model)(**packed).loss)
        padded = PadCollator(tok.pad_token_id)(feats)
        padded_loss = float(model(**padded).loss)
        # the same rows packed without restarting positions: rows would see each other
        leaky = {**packed, "position_ids": torch.arange(packed["input_ids"].shape[1])[None]}
        leaky_loss = float(model(**leaky).loss)
    assert packed_loss == pytest.approx(expected, rel=1e-5)
    assert padded_loss == pytest.approx(expected, rel=1e-5)
    assert abs(leaky_loss - expected) > 1e-4  # the check can fail: contamination changes the loss
    assert abs(cached_loss - expected) > 1e-4


def test_an_encoder_decoder_cannot_be_packed():
    with pytest.raises(TrainError, match="sample_packing"):
        packing_collator("seq2seq")
