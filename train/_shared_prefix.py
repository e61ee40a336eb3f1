"""Rows that share a prompt prefix, trained once for the prefix: a dataset row with `branches` (a
list of chat `messages`, e.g. several questions about one answer) becomes ONE sequence: the tokens
all branches share, then each branch's remaining tokens, each branch attending only to the shared
prefix and to itself (a 4D attention mask) at the positions it has alone (position ids). Every
branch's loss is then exactly the loss of that branch trained as its own row (tests/train/
test_shared_prefix.py), at the cost of one prefix instead of one per branch.

Written here because neither transformers nor TRL batches prefix-sharing rows for training
(DataCollatorWithFlattening packs rows that share nothing). transformers uses a 4D mask as given
(masking_utils: "the mask is already 4D ... custom"); it must be a boolean mask for sdpa attention."""

from __future__ import annotations

import torch

from ._errors import TrainError
from ._tokenize import IGNORE, tokenize_row


def tokenize_branches(row: dict, tokenizer, fmt: str, seq_len: int, train_on_inputs: bool) -> dict:
    """One sequence for a row's branches: input_ids, labels, position_ids, segments (0: the shared
    prefix, k: branch k), length. The split point is one token before the end of the common prefix,
    so each branch starts with the prefix's last token again and predicts its own next token from
    inside itself; that first token is never a label."""
    if train_on_inputs:
        raise TrainError("rows with `branches` train on their completions only (train_on_inputs: false)")
    singles = [tokenize_row({"messages": m}, tokenizer, fmt, seq_len, False, False) for m in row["branches"]]
    singles = [s for s in singles if any(t != IGNORE for t in s["labels"])]
    if not singles:
        return {"input_ids": [], "labels": [], "position_ids": [], "segments": [], "length": 0}
    first = singles[0]["input_ids"]
    # the prompt's length: the first label; the prefix never reaches into a completion
    common = min(next(i for i, t in enumerate(s["labels"]) if t != IGNORE) for s in singles)
    for s in singles[1:]:
        common = next(
            (i for i, (a, b) in enumerate(zip(first[:common], s["input_ids"], strict=False)) if a != b), common
        )
    split = common - 1
    if split < 1:
        raise TrainError("rows with `branches` must share a prompt prefix (at least the system turn)")
    ids, labels = list(first[:split]), [IGNORE] * split
    positions, segments = list(range(split)), [0] * split
    for k, s in enumerate(singles, 1):
        tail_ids, tail_labels = s["input_ids"][split:], s["labels"][split:]
        ids += tail_ids
        labels += tail_labels  # its first label is IGNORE (a prompt token): never predicted across branches
        positions += range(split, split + len(tail_ids))
        segments += [k] * len(tail_ids)
    return {"input_ids": ids, "labels": labels, "position_ids": positions, "segments": segments, "length": len(ids)}


class SharedPrefixCollator:
    """Pads a micro-batch of `tokenize_branches` rows and builds their boolean 4D masks: a token sees
    the earlier tokens of the shared prefix and of its own branch. A pad sees only itself (a row with
    nothing to attend to would give NaN); a real token always sees the row's first token, which is how
    `real_tokens` counts them."""

    def __init__(self, pad_id: int):
        self.pad_id = pad_id

    def __call__(self, features: list[dict]) -> dict[str, torch.Tensor]:
        width = max(len(f["input_ids"]) for f in features)
        n_rows = len(features)
        ids = torch.full((n_rows, width), self.pad_id, dtype=torch.long)
        labels = torch.full((n_rows, width), IGNORE, dtype=torch.long)
        positions = torch.zeros((n_rows, width), dtype=torch.long)
        mask = torch.eye(width, dtype=torch.bool).repeat(n_rows, 1, 1, 1)
        causal = torch.tril(torch.ones(width, width, dtype=torch.bool))
        for b, f in enumerate(features):
            n = len(f["input_ids"])
            ids[b, :n] = torch.tensor(f["input_ids"])
            labels[b, :n] = torch.tensor(f["labels"])
            positions[b, :n] = torch.tensor(f["position_ids"])
            seg = torch.tensor(f["segments"])
            visible = (seg[:, None] == seg[None, :]) | (seg[None, :] == 0)
            mask[b, 0, :n, :n] = causal[:n, :n] & visible
        return {"input_ids": ids, "labels": labels, "position_ids": positions, "attention_mask": mask}
