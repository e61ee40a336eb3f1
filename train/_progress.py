"""Training progress for a caller's own display (e.g. `bench run`'s single progress panel):
a TrainerCallback that advances a task by one per optimizer step, instead of the Trainer's tqdm bar."""

from __future__ import annotations

from collections.abc import Callable

from transformers import TrainerCallback


class StepProgress(TrainerCallback):
    def __init__(self, progress: Callable[[str, int], Callable[[int], None]], description: str = "train"):
        self.progress, self.description = progress, description
        self.advance = None

    def on_train_begin(self, args, state, control, **kwargs):
        self.advance = self.progress(self.description, state.max_steps)
        if state.global_step:  # resumed from a checkpoint
            self.advance(state.global_step)

    def on_step_end(self, args, state, control, **kwargs):
        if self.advance:
            self.advance(1)
