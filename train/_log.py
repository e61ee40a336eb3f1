"""train_log.jsonl: one line per logging step (loss, learning rate, grad norm, tokens, tokens/s),
flushed as it is written, so a killed run keeps its log."""

from __future__ import annotations

import json
import time
from pathlib import Path

from transformers import TrainerCallback

from synth import read_jsonl, repair_jsonl_tail


class JsonlLogCallback(TrainerCallback):
    def __init__(self, path: Path, counts: dict):
        self.path, self.counts = path, counts
        self.start = time.perf_counter()
        repair_jsonl_tail(path)  # a run killed mid-line must not glue its torn line to the next record

    def _write(self, record: dict) -> None:
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(record) + "\n")

    def on_train_begin(self, args, state, control, **kwargs):
        self.start = time.perf_counter()
        if state.global_step:
            self._write({"event": "resume", "step": state.global_step})

    def on_log(self, args, state, control, logs=None, **kwargs):
        elapsed = time.perf_counter() - self.start
        record = {"step": state.global_step, "epoch": round(state.epoch or 0, 4)}
        for key in ("loss", "learning_rate", "grad_norm", "eval_loss"):
            if logs and key in logs:
                record[key] = logs[key]
        if "loss" in record:
            record["tokens"] = self.counts["tokens"]
            record["tokens_per_s"] = round(self.counts["tokens"] / elapsed, 1) if elapsed > 0 else None
        if len(record) > 2:
            self._write(record)


def read_log(path: Path) -> list[dict]:
    return read_jsonl(path)
