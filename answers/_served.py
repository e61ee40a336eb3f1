"""Base and tuned served by an OpenAI-compatible engine and answered through the endpoint-contestant
path (`_endpoint.py`), as a user with GPUs runs vLLM:

    vllm serve BASE --enable-lora --lora-modules tuned-<key>=runs/<domain>/train-<key>/adapter
    bench run <domain> --models BASE --contestant openai:BASE@http://HOST:8000/v1 \
        --contestant openai:tuned-<key>@http://HOST:8000/v1

(README, "Bigger models, GPUs and hosted judges": the adapter is named after its training key,
because an endpoint's answers are keyed by model name and URL.)

Here the engine is llama.cpp's server (llama-cpp-python) on 127.0.0.1: the base GGUF, and each
tuned adapter written as a LoRA GGUF on top of it (`train/_lora_gguf.py`), one model name each.
An answer's identity is what answered (engine, GGUF and LoRA hashes), never the server's port, so
the answers are cached across runs like a local contestant's."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from judge._server import ServedModel, llama_server
from train._hashing import sha256_file
from train._lora_gguf import lora_to_gguf

from ._endpoint import RemoteContestant

# never the user's OpenAI key: the local server needs none and must not be sent one
LOCAL_KEY_ENV = "DOMAINBENCH_LOCAL_SERVER_KEY"


@dataclass(frozen=True)
class ServedContestant(RemoteContestant):
    served_as: str = field(kw_only=True)  # engine and weights: the answers' cache identity (required)
    engine: str = "llama.cpp server (llama-cpp-python), on 127.0.0.1"

    def identity(self) -> str:
        return self.served_as


@contextlib.contextmanager
def served_contestants(
    base_gguf: Path, adapters: dict[str, Path], base_config: Path, work: Path, n_ctx: int = 4096
) -> Iterator[dict[str, ServedContestant]]:
    """{"base": ..., name: ...} contestants answered by one llama.cpp server: `base_gguf` alone, and
    with each PEFT adapter of `adapters` (name -> adapter folder) converted into `work`."""
    work = Path(work)
    work.mkdir(parents=True, exist_ok=True)
    base_sha = sha256_file(Path(base_gguf))
    models, identities = [ServedModel("base", Path(base_gguf))], {"base": f"llama.cpp:{base_sha[:16]}"}
    for name, adapter in adapters.items():
        lora = lora_to_gguf(Path(adapter), Path(base_config), work / f"{name}.lora.gguf")
        models.append(ServedModel(name, Path(base_gguf), lora))
        identities[name] = f"llama.cpp:{base_sha[:16]}+lora:{sha256_file(lora)[:16]}"
    with llama_server(models, n_ctx=n_ctx) as url:
        yield {
            m.alias: ServedContestant(model=m.alias, base_url=url, api_key_env=LOCAL_KEY_ENV,
                                      served_as=identities[m.alias])
            for m in models
        }  # fmt: skip
