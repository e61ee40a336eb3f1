"""How contestants answer: greedy, batched, and a length cap that is derived from the test
references unless set, so an answer is cut only when it is far longer than any reference."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

CAP_FACTOR = 2  # the derived cap: this many times the longest reference, in the contestant's tokens


@dataclass(frozen=True)
class GenerationSettings:
    max_new_tokens: int | None = None  # None: CAP_FACTOR x the longest test reference (recorded)
    batch_size: int = 48  # measured here: 9.0x the one-at-a-time loop at 48, 7.0x at 24 (perf/generation_throughput.py)
    greedy: bool = True
    # Local models never repeat a run of this many tokens of their own answer (answers/_loop_guard.py);
    # 0 turns the guard off. 12 left every non-looping answer of the default run's tuned model unchanged.
    loop_guard_ngram: int = 12
    # The weights' dtype for answering: "auto" is bfloat16 on a CUDA GPU that has it (an 8B model in
    # about 16 GB instead of 32) and float32 on a CPU, where bf16 greedy answers differ between CPU
    # kernels; resolved to the dtype used before it keys the stage (train/_precision.py).
    dtype: str = "auto"
    # A local contestant's PEFT adapter is merged into the weights before answering (peft's
    # merge_and_unload): the same function up to float rounding, without a LoRA forward beside every
    # adapted layer at every token (speed and greedy agreement: perf/generation_throughput.py --merged).
    # Off for a contestant without an adapter, so base answers do not depend on it.
    merge_adapter: bool = True
    # A decoder-only model's finished answers leave the batch (answers/_local.py) instead of being computed
    # on, padding, until the batch's longest answer ends: the same greedy answers up to float rounding
    # (a matmul over fewer rows), faster by how much the answer lengths differ (perf/generation_throughput.py
    # --drop-finished)
    drop_finished: bool = True

    def to_dict(self) -> dict:
        return asdict(self)

    def with_cap(self, max_new_tokens: int) -> GenerationSettings:
        return replace(self, max_new_tokens=max_new_tokens)

    def resolved(self) -> GenerationSettings:
        """`dtype` as the name of the dtype this machine answers in."""
        from train._precision import load_dtype

        return replace(self, dtype=str(load_dtype(self.dtype)).removeprefix("torch."))


def derived_cap(reference_lengths: list[int]) -> dict:
    """The cap for answers to references of these token lengths, and how it was chosen."""
    longest = max(reference_lengths, default=0)
    return {
        "max_new_tokens": max(16, CAP_FACTOR * longest),
        "longest_reference_tokens": longest,
        "rule": f"{CAP_FACTOR} x the longest test reference in the contestant's own tokens (at least 16)",
    }
