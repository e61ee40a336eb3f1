"""Content hashes of model and data files, the identity recorded with every result.

Each file is hashed once per process: the digest is kept by (path, size, modification time), so the
stages of one run that resolve the same model (train, answers, judge) read its weights once, and a
file that changed on disk is hashed again."""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path

WEIGHT_SUFFIXES = {".safetensors", ".bin", ".gguf", ".json", ".model", ".jinja", ".txt"}


@functools.lru_cache(maxsize=4096)
def _digest(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256_file(path: Path) -> str:
    resolved = os.path.realpath(path)
    stat = os.stat(resolved)
    return _digest(resolved, stat.st_size, stat.st_mtime_ns)


def sha256_tree(folder: Path, suffixes: set[str] = WEIGHT_SUFFIXES) -> str:
    """sha256 over the names and bytes of a folder's files (weights, configs, tokenizer)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in Path(folder).rglob("*") if p.is_file() and p.suffix in suffixes):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(sha256_file(path).encode())
    return digest.hexdigest()
