"""Batching: pad each batch to its own longest row (or, for the baseline, to a fixed length),
and count real vs padded token slots so the padding fraction can be reported."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from ._tokenize import IGNORE


@dataclass
class PadCollator:
    pad_id: int
    pad_to: int | None = None  # None: longest in batch
    counts: dict = field(default_factory=lambda: {"tokens": 0, "slots": 0})

    def __call__(self, features: list[dict]) -> dict[str, torch.Tensor]:
        width = self.pad_to or max(len(f["input_ids"]) for f in features)
        ids = torch.full((len(features), width), self.pad_id, dtype=torch.long)
        mask = torch.zeros((len(features), width), dtype=torch.long)
        label_width = self.pad_to or max(len(f["labels"]) for f in features)
        seq2seq = any(len(f["labels"]) != len(f["input_ids"]) for f in features)
        labels = torch.full((len(features), label_width if seq2seq else width), IGNORE, dtype=torch.long)
        for i, f in enumerate(features):
            n = len(f["input_ids"])
            ids[i, :n] = torch.tensor(f["input_ids"])
            mask[i, :n] = 1
            # Labels are padded with -100 by position, never by comparing to pad_id: pad may equal eos.
            labels[i, : len(f["labels"])] = torch.tensor(f["labels"])
        self.counts["tokens"] += int(mask.sum())
        self.counts["slots"] += mask.numel()
        return {"input_ids": ids, "attention_mask": mask, "labels": labels}

    @property
    def padding_fraction(self) -> float:
        return 1 - self.counts["tokens"] / self.counts["slots"] if self.counts["slots"] else 0.0
