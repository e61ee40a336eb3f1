"""`sample_packing`: padding-free micro-batches. transformers' DataCollatorWithFlattening puts a
micro-batch's rows end to end in one row, restarts the position ids at each row and masks the first
label of each, and the model's attention (flash attention, or sdpa / eager through transformers'
packed-sequence detection from the position ids) keeps each row to itself: the loss equals the
padded batch's, without the pad slots (tests/train/test_packing.py).

transformers looks for packed rows only when the forward has no KV cache; a model whose config says
`use_cache: true` makes one even in training (unless gradient checkpointing is on), and then every
packed row silently attends to the rows before it. `packable` switches the cache off."""

from __future__ import annotations

from transformers import DataCollatorWithFlattening

from ._errors import TrainError


def packing_collator(model_type: str) -> DataCollatorWithFlattening:
    if model_type == "seq2seq":
        raise TrainError("sample_packing: an encoder-decoder model cannot be packed (use sample_packing: false)")
    return DataCollatorWithFlattening(return_position_ids=True, separator_id=-100)


def packable(model):
    """The model with its KV cache off, so a packed batch's rows stay apart (see above)."""
    config = getattr(model, "config", None)
    if config is not None:
        config.use_cache = False
    return model


def real_tokens(inputs: dict) -> tuple[int, int]:
    """(tokens, slots) of a micro-batch: padded (2D attention_mask), shared-prefix rows (a 4D mask in
    which every real token sees its row's first token, train/_shared_prefix.py) or packed (no pad)."""
    mask = inputs.get("attention_mask")
    slots = inputs["input_ids"].numel()
    if mask is not None and mask.dim() == 2:
        return int(mask.sum()), slots
    if mask is not None and mask.dim() == 4:
        return int(mask[:, 0, :, 0].sum()), slots
    return slots, slots
