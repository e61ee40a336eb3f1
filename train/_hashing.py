"""Content hashes of model and data files, the identity recorded with every result."""

from __future__ import annotations

import hashlib
from pathlib import Path

WEIGHT_SUFFIXES = {".safetensors", ".bin", ".gguf", ".json", ".model", ".jinja", ".txt"}


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256_tree(folder: Path, suffixes: set[str] = WEIGHT_SUFFIXES) -> str:
    """sha256 over the names and bytes of a folder's files (weights, configs, tokenizer)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in Path(folder).rglob("*") if p.is_file() and p.suffix in suffixes):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(sha256_file(path).encode())
    return digest.hexdigest()
