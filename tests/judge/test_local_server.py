"""Integration: the default judge, llama-cpp-python's server with the shipped SmolLM2 GGUF, on a
free loopback port; structured output parses; the server is gone afterwards."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from judge import _single as single
from judge._client import run_judgments
from judge._server import local_judge_server
from tests.conftest import REPO
from train._sources import gguf_path


@pytest.mark.integration
def test_local_llama_cpp_judge(tmp_path):
    req = single.request("q1", "I lost my card. What should I do?", "Freeze it in the app.", "Freeze it in the app.")
    with local_judge_server(gguf_path("smollm2-135m")) as endpoint:
        port = int(endpoint.base_url.split(":")[2].split("/")[0])
        [record] = run_judgments([req], endpoint, tmp_path / "j.jsonl")
    assert endpoint.base_url.startswith("http://127.0.0.1:")
    # The 135M judge often breaks the JSON format: then the judgment is kept as unscored, with the reason.
    assert record["raw_output"] and record["status"] in ("ok", "unscored")
    if record["status"] == "ok":
        assert 1 <= record["parsed"] <= 10
    else:
        assert record["parsed"] is None and record["reason"]
    assert record["usage"]["completion_tokens"] <= endpoint.max_tokens
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0  # stopped


SERVE_AND_WAIT = """
import sys, time
from judge._server import local_judge_server
from train._sources import gguf_path
with local_judge_server(gguf_path("smollm2-135m")) as endpoint:
    print(endpoint.base_url, flush=True)
    time.sleep(600)
"""


def _alive(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.integration
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_a_killed_harness_leaves_no_judge_server(sig):
    """SIGTERM unwinds and stops the server; SIGKILL cannot be caught, and the kernel's
    parent-death signal stops it instead."""
    cmd = [
        sys.executable,
        "-c",
        "import signal, sys\nsignal.signal(signal.SIGTERM, lambda *a: sys.exit(143))\n" + SERVE_AND_WAIT,
    ]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, text=True, env=os.environ)
    url = proc.stdout.readline().strip()
    port = int(url.split(":")[2].split("/")[0])
    assert _alive(port)
    proc.send_signal(sig)
    proc.wait(timeout=30)
    deadline = time.monotonic() + 20
    while _alive(port) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _alive(port)
