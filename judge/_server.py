"""A local judge: llama-cpp-python's OpenAI-compatible server with a local GGUF (and, for the domain
verifier, a LoRA GGUF on top), started on a free 127.0.0.1 port, waited for until it answers, and
stopped at the end, also on error. The judge client talks to it like to any endpoint."""

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


@contextlib.contextmanager
def local_judge_server(
    gguf: Path, n_ctx: int = 4096, startup_timeout: float = 180, lora: Path | None = None, name: str | None = None
) -> Iterator[JudgeEndpoint]:
    try:
        import llama_cpp.server  # noqa: F401
    except ImportError:
        raise JudgeUnavailable(
            "the default local judge needs llama-cpp-python[server]; install it, or pass "
            "--judge openai:MODEL with --judge-base-url"
        ) from None
    port = free_port()
    url = f"http://127.0.0.1:{port}/v1"
    log = tempfile.NamedTemporaryFile("w+", prefix="llama-server-", suffix=".log", delete=False)
    cmd = [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(gguf),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        str(n_ctx),
        "--n_threads",
        str(os.cpu_count() or 2),
        # one completion at a time (below): never cut a running one short for the next
        "--interrupt_requests",
        "False",
    ]
    if lora is not None:
        cmd += ["--lora_path", str(lora)]
    linux = sys.platform.startswith("linux")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent if linux else None)
    try:
        deadline = time.monotonic() + startup_timeout
        while not _answers(url):
            if proc.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                tail = log.read()[-1500:]
                raise JudgeUnavailable(f"local judge server did not start ({' '.join(cmd[2:5])}): {tail}")
            time.sleep(0.5)
        # One request at a time: the server runs one completion at once and, by default, interrupts
        # it when another arrives; measured here, two in flight made each judgment 4-17 s instead
        # of 0.3-2 s and broke the JSON-schema grammar mid-output.
        yield JudgeEndpoint(
            model=name or Path(gguf).name,
            base_url=url,
            schema_style="llama_cpp",
            structured=True,
            concurrency=1,
            timeout=300,
        )
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        Path(log.name).unlink(missing_ok=True)
