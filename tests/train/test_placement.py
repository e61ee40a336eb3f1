"""Each rank of a multi-process launch trains on its own device (LOCAL_RANK -> cuda:<rank>)."""

import pytest

from train import TrainError
from train._placement import device_for_rank, local_rank


def test_each_local_rank_gets_its_own_gpu():
    assert [device_for_rank(r, 4) for r in range(4)] == ["cuda:0", "cuda:1", "cuda:2", "cuda:3"]
    assert device_for_rank(0, 0) == device_for_rank(1, 0) == "cpu"  # gloo ranks on a CPU machine


def test_more_ranks_than_gpus_is_an_error_not_a_shared_gpu():
    with pytest.raises(TrainError, match="local rank 2 has no GPU of its own: this machine has 2"):
        device_for_rank(2, 2)


def test_local_rank_comes_from_the_launcher():
    assert local_rank({}) == 0
    assert local_rank({"LOCAL_RANK": "3", "RANK": "7"}) == 3  # the rank within this machine, not the global one
    with pytest.raises(TrainError, match="LOCAL_RANK='x'"):
        local_rank({"LOCAL_RANK": "x"})
