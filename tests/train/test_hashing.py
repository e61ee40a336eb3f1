"""A model folder is read once per process however many stages resolve it; a changed file is read again."""

import os

from train import _hashing
from train._hashing import sha256_file, sha256_tree


def test_each_file_is_hashed_once_per_process(tmp_path):
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "model.safetensors").write_bytes(b"w" * 3_000_000)
    (folder / "config.json").write_text("{}")
    _hashing._digest.cache_clear()
    first = sha256_tree(folder)
    assert _hashing._digest.cache_info().misses == 2
    assert [sha256_tree(folder) for _ in range(3)] == [first] * 3  # train, answers, judge: no new reads
    assert _hashing._digest.cache_info().misses == 2


def test_a_changed_file_is_hashed_again(tmp_path):
    path = tmp_path / "model.gguf"
    path.write_bytes(b"one")
    before = sha256_file(path)
    path.write_bytes(b"two")
    os.utime(path, ns=(1, os.stat(path).st_mtime_ns + 1_000_000))  # a new mtime even on a coarse clock
    assert sha256_file(path) != before
    assert sha256_file(path) == __import__("hashlib").sha256(b"two").hexdigest()
