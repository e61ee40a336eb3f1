"""train_log.jsonl: one line per logging step (loss, learning rate, grad norm, tokens, tokens/s),
flushed as it is written, so a killed run keeps its log.

A rerun must leave the log an uninterrupted run would have written, so when training begins the file
is cut back to what the resumed-from checkpoint had seen: records up to its step (on a fresh start,
step 0: the base evaluation). Lines a killed run wrote after that step are logged again by the rerun."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from transformers import TrainerCallback

from synth import read_jsonl


class JsonlLogCallback(TrainerCallback):
    """Writes on the main process only: other ranks log the same numbers and would duplicate lines."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.start = time.perf_counter()
        self.tokens_at_start = 0

    def _write(self, record: dict) -> None:
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(record) + "\n")

    def _cut_back_to(self, step: int) -> None:
        """Keep the records of steps <= `step` (a torn last line is dropped by read_jsonl); rewritten under
        another name and renamed, so a kill during the rewrite leaves the old log or the new one."""

        def keep(record: dict) -> bool:  # a resume marker at `step` itself is written anew, not kept twice
            at = record.get("step", 0)
            return at < step or (at == step and "event" not in record)

        kept = [r for r in read_jsonl(self.path) if keep(r)]
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text("".join(json.dumps(r) + "\n" for r in kept), encoding="utf-8")
        os.replace(tmp, self.path)

    def on_train_begin(self, args, state, control, **kwargs):
        self.start = time.perf_counter()
        # The token count is the Trainer's (include_num_input_tokens_seen): it is saved in checkpoints, so
        # a resumed run continues the count; tokens/s counts this process's tokens only.
        self.tokens_at_start = state.num_input_tokens_seen
        if not state.is_world_process_zero:
            return
        self._cut_back_to(state.global_step)
        if state.global_step:
            self._write({"event": "resume", "step": state.global_step})

    def on_log(self, args, state, control, logs=None, **kwargs):
        if not state.is_world_process_zero:
            return
        elapsed = time.perf_counter() - self.start
        record = {"step": state.global_step, "epoch": round(state.epoch or 0, 4)}
        for key in ("loss", "learning_rate", "grad_norm", "eval_loss"):
            if logs and key in logs:
                record[key] = logs[key]
        if "loss" in record:
            tokens = state.num_input_tokens_seen
            record["tokens"] = tokens
            record["tokens_per_s"] = round((tokens - self.tokens_at_start) / elapsed, 1) if elapsed > 0 else None
        if len(record) > 2:
            self._write(record)


def read_log(path: Path) -> list[dict]:
    return read_jsonl(path)
