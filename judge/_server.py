"""llama-cpp-python's OpenAI-compatible server on 127.0.0.1: one or more local GGUFs, each with an
optional LoRA GGUF on top, named by alias, started on a free port, waited for until it answers, and
stopped at the end, also on error. The local judge is one such model (the domain verifier: the base
GGUF plus its LoRA); answers can be served the same way (base and tuned, `answers/_served.py`).
Clients talk to it like to any endpoint."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ._client import JudgeEndpoint
from ._errors import JudgeUnavailable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/models", timeout=2) as resp:
            return resp.status == 200 and "data" in json.loads(resp.read())
    except (OSError, ValueError):
        return False


def _die_with_parent() -> None:
    """Runs in the server process before exec: on Linux, ask the kernel to send it SIGTERM when
    the harness dies, even by SIGKILL, so a killed run never leaves a judge server behind."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


@dataclass(frozen=True)
class ServedModel:
    """One model of a llama.cpp server: requests name it by `alias` (the `model` field), as vLLM's
    `--lora-modules tuned=ADAPTER` names an adapter."""

    alias: str
    gguf: Path
    lora: Path | None = None


@contextlib.contextmanager
def llama_server(models: list[ServedModel], n_ctx: int = 4096, startup_timeout: float = 180) -> Iterator[str]:
    """llama-cpp-python's OpenAI-compatible server with `models` (the first is the default), on a
    free 127.0.0.1 port; yields its base URL once it answers, stops it at the end, also on error.
    It runs one completion at a time and holds one model in memory, loading another when a
    request names it: send each model's requests together."""
    try:
        import llama_cpp.server  # noqa: F401
    except ImportError:
        raise JudgeUnavailable(
            "the local llama.cpp server needs llama-cpp-python[server]; install it, or pass "
            "an endpoint (openai:MODEL with a base URL) instead"
        ) from None
    port = free_port()
    url = f"http://127.0.0.1:{port}/v1"
    config = {
        "host": "127.0.0.1",
        "port": port,
        # one completion at a time (below): never cut a running one short for the next
        "interrupt_requests": False,
        "models": [
            {
                "model": str(m.gguf),
                "model_alias": m.alias,
                "n_ctx": n_ctx,
                "n_threads": os.cpu_count() or 2,
                **({"lora_path": str(m.lora)} if m.lora else {}),
            }
            for m in models
        ],
    }
    with tempfile.TemporaryDirectory(prefix="llama-server-") as tmp:
        config_file = Path(tmp) / "config.json"
        config_file.write_text(json.dumps(config))
        log = open(Path(tmp) / "server.log", "w+")  # noqa: SIM115 - read back on failure, closed below
        cmd = [sys.executable, "-m", "llama_cpp.server", "--config_file", str(config_file)]
        linux = sys.platform.startswith("linux")
        proc = subprocess.Popen(
            cmd, stdout=log, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent if linux else None
        )
        try:
            deadline = time.monotonic() + startup_timeout
            while not _answers(url):
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    tail = log.read()[-1500:]
                    names = ", ".join(f"{m.alias}={Path(m.gguf).name}" for m in models)
                    raise JudgeUnavailable(f"local llama.cpp server did not start ({names}): {tail}")
                time.sleep(0.5)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            log.close()


@contextlib.contextmanager
def local_judge_server(
    gguf: Path, n_ctx: int = 4096, startup_timeout: float = 180, lora: Path | None = None, name: str | None = None
) -> Iterator[JudgeEndpoint]:
    """The local judge: one GGUF (and, for the domain verifier, a LoRA GGUF on top)."""
    model = name or Path(gguf).name
    with llama_server([ServedModel(model, Path(gguf), lora)], n_ctx, startup_timeout) as url:
        # One request at a time: the server runs one completion at once and, by default, interrupts
        # it when another arrives; measured here, two in flight made each judgment 4-17 s instead
        # of 0.3-2 s and broke the JSON-schema grammar mid-output.
        yield JudgeEndpoint(
            model=model,
            base_url=url,
            schema_style="llama_cpp",
            structured=True,
            concurrency=1,
            timeout=300,
        )
