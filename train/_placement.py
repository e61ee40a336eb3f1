"""Where this process's model goes: under `torchrun` / `accelerate launch` each rank on its own
GPU (LOCAL_RANK, the rank within this machine), alone on the first GPU, or on the CPU."""

from __future__ import annotations

import os

from ._errors import TrainError


def local_rank(env: dict | None = None) -> int:
    """LOCAL_RANK as torchrun and accelerate set it (0 when run alone)."""
    value = (os.environ if env is None else env).get("LOCAL_RANK", "0")
    try:
        return int(value)
    except ValueError:
        raise TrainError(f"LOCAL_RANK={value!r} is not an integer rank") from None


def device_for_rank(rank: int, cuda_devices: int) -> str:
    """The device a rank trains on: `cuda:<rank>` when this machine has that many GPUs, else the CPU
    when it has none; more ranks than GPUs is an error (two ranks on one GPU would silently share it)."""
    if cuda_devices == 0:
        return "cpu"
    if rank >= cuda_devices:
        raise TrainError(f"local rank {rank} has no GPU of its own: this machine has {cuda_devices}")
    return f"cuda:{rank}"


def this_device() -> str:
    import torch

    return device_for_rank(local_rank(), torch.cuda.device_count() if torch.cuda.is_available() else 0)
