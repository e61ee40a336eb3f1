"""Calls to an OpenAI-compatible judge: bounded concurrency, the client's own retries with
backoff (429, 5xx, time-outs), temperature 0, and every judgment appended and flushed to JSONL
as it arrives. A rerun skips judgments already on file. API keys are read from the environment
and never written anywhere."""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import openai

from synth import read_jsonl, repair_jsonl_tail

from ._errors import JudgeUnavailable


@dataclass(frozen=True)
class JudgeEndpoint:
    model: str
    base_url: str | None = None  # None: the client's default (OPENAI_BASE_URL or OpenAI)
    api_key_env: str = "OPENAI_API_KEY"
    structured: bool = True  # send a JSON schema in response_format
    schema_style: str = "openai"  # "openai" (json_schema) or "llama_cpp" (json_object + schema)
    timeout: float = 60.0
    max_tokens: int = 384  # a judge that rambles is cut off; its judgment is then unscored, with the reason
    max_retries: int = 4
    concurrency: int = 16  # perf/judge_throughput.py: 9.9x a sequential loop at 16, 6.3x at 8

    def describe(self) -> dict:
        """What ran, for the results: never the key."""
        return {
            "model": self.model,
            "base_url": self.base_url or os.environ.get("OPENAI_BASE_URL", "openai default"),
            "structured": self.structured,
            "schema_style": self.schema_style,
        }


@dataclass
class JudgeRequest:
    id: str  # unique per judgment, e.g. "banking-test-00012:single:tuned"
    prompt_name: str
    messages: list[dict]
    schema: dict
    parse: Callable[[str, bool], tuple[object, str]]  # raw output, structured -> (value or None, reason)
    meta: dict = field(default_factory=dict)


def read_judgments(path: Path) -> dict[str, dict]:
    """Finished judgments by id (scored or unscored); errors and a half-written line are retried."""
    return {r["id"]: r for r in read_jsonl(path) if r.get("status") in ("ok", "unscored")}


def _response_format(endpoint: JudgeEndpoint, schema: dict) -> dict:
    if endpoint.schema_style == "llama_cpp":
        return {"type": "json_object", "schema": schema}
    return {"type": "json_schema", "json_schema": {"name": "judgment", "schema": schema}}


async def _judge_one(client, endpoint: JudgeEndpoint, req: JudgeRequest) -> dict:
    kwargs = {"model": endpoint.model, "messages": req.messages, "temperature": 0, "max_tokens": endpoint.max_tokens}
    if endpoint.structured:
        kwargs["response_format"] = _response_format(endpoint, req.schema)
    began = time.perf_counter()
    record = {
        "id": req.id,
        "judge_model": endpoint.model,
        "prompt_name": req.prompt_name,
        "prompt": req.messages,
        "structured": endpoint.structured,
        **req.meta,
    }
    try:
        response = await client.chat.completions.create(**kwargs)
    except (openai.APIConnectionError, openai.APITimeoutError) as exc:
        raise JudgeUnavailable(
            f"judge at {endpoint.describe()['base_url']} unreachable after {endpoint.max_retries} retries: {exc}"
        ) from None
    except openai.APIStatusError as exc:
        return {
            **record,
            "status": "error",
            "error": f"HTTP {exc.status_code}: {exc.message}"[:500],
            "seconds": round(time.perf_counter() - began, 3),
        }
    raw = (response.choices[0].message.content or "") if response.choices else ""
    value, reason = req.parse(raw, endpoint.structured)
    usage = response.usage.model_dump() if response.usage else None
    return {
        **record,
        "raw_output": raw,
        "parsed": value,
        "status": "ok" if value is not None else "unscored",
        "reason": reason,
        "usage": usage,
        "seconds": round(time.perf_counter() - began, 3),
    }


async def _run(requests: list[JudgeRequest], endpoint: JudgeEndpoint, out: Path, progress) -> list[dict]:
    repair_jsonl_tail(out)
    done = read_judgments(out)
    pending = [r for r in requests if r.id not in done]
    if progress and len(pending) < len(requests):
        progress(len(requests) - len(pending))  # already on file from an earlier, interrupted run
    client = openai.AsyncOpenAI(
        base_url=endpoint.base_url,
        api_key=os.environ.get(endpoint.api_key_env) or "none",
        max_retries=endpoint.max_retries,
        timeout=endpoint.timeout,
    )
    gate = asyncio.Semaphore(endpoint.concurrency)
    lock = asyncio.Lock()
    out.parent.mkdir(parents=True, exist_ok=True)

    async def one(req: JudgeRequest) -> dict:
        async with gate:
            record = await _judge_one(client, endpoint, req)
        async with lock:
            with out.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
                fh.flush()
        if progress:
            progress(1)
        return record

    try:
        results = await asyncio.gather(*(one(r) for r in pending))
    finally:
        await client.close()
    by_id = {**done, **{r["id"]: r for r in results}}
    return [by_id[r.id] for r in requests]


def run_judgments(requests: list[JudgeRequest], endpoint: JudgeEndpoint, out: Path, progress=None) -> list[dict]:
    """Judge every request not already on file in `out`; return all records in request order."""
    return asyncio.run(_run(requests, endpoint, Path(out), progress))
