"""The loop guard of greedy answering: a model never repeats, word for word, a run of
`ngram` tokens of its own answer (the prompt is not counted, so quoting the question or the
evidence is never blocked). Small models decoded greedily fall into loops ("Springfield,
Springfield, ..." until the cap); the guard makes the model say something else instead, and
records per answer whether it had to, so a looping model stays visible (`loop_blocked`).

transformers' NoRepeatNGramLogitsProcessor does the blocking; it sees the whole sequence,
prompt included, so this subclass hands it the answer part only and notes where the greedy
choice was blocked (rows already finished, padding after their stop token, are not counted)."""

from __future__ import annotations

import torch
from transformers import NoRepeatNGramLogitsProcessor


class AnswerLoopGuard(NoRepeatNGramLogitsProcessor):
    def __init__(self, ngram: int, answer_start: int, stop_ids: list[int], rows: int):
        super().__init__(ngram)
        self.answer_start = answer_start  # index of the first answer token in generate's input_ids
        self.stop_ids = torch.tensor(stop_ids, dtype=torch.long)
        self.blocked = torch.zeros(rows, dtype=torch.bool)  # per row: the guard changed the greedy token

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        answer = input_ids[:, self.answer_start :]
        before = scores.argmax(dim=-1)
        scores = super().__call__(answer, scores)
        finished = torch.isin(answer, self.stop_ids.to(answer.device)).any(dim=-1)
        self.blocked |= ((scores.argmax(dim=-1) != before) & ~finished).cpu()
        return scores
