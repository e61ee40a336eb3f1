"""Integration: the default judge, llama-cpp-python's server with the shipped SmolLM2 GGUF, on a
free loopback port; structured output parses; the server is gone afterwards."""

from __future__ import annotations

import socket

import pytest

from judge import _single as single
from judge._client import run_judgments
from judge._server import local_judge_server
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
