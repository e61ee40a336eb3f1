"""Calls to an OpenAI-compatible judge: bounded concurrency, the client's own retries with
backoff (429, 5xx, time-outs, connection errors), temperature 0, and every judgment appended and
flushed to JSONL as it arrives. A rerun skips judgments already on file. API keys are read from the
environment and never written anywhere (not even inside an error message a server echoes back).

Every request ends as exactly one record, never as an exception, with `status`:

  "ok"        the judge's output parsed: `parsed` holds the value, `reason` is "ok".
  "unscored"  the endpoint served a chat completion but it holds no usable judgment: the output did
              not parse, `choices` is empty, the first choice has no `message`, or its content is
              null (a refusal, a content filter). Deterministic at temperature 0, so it is kept and
              NOT retried by a rerun. `reason` says why; `parsed` is None.
  "error"     the endpoint failed, after the client's retries where they apply. `error_kind` is one
              of ERROR_KINDS, `reason` (and `error`, the same text) says what happened. A rerun
              retries it. The caller decides what errors mean for its results (status_counts).

Error kinds: "http_4xx" (400, 401, 404 such as a wrong model name, 429 after the retries), "http_5xx"
(after the retries), "timeout" (no answer within `timeout`, after the retries), "connection" (refused,
reset, or closed mid-body, after the retries), "bad_body" (HTTP 2xx whose body is not a chat
completion: not JSON, such as a proxy's HTML page, not an object, or without a `choices` list),
"skipped" (not sent: the judge had been unreachable for `unreachable_limit` requests in a row, so an
endpoint that goes down mid-run fails the rest in seconds), "internal" (anything else, e.g. a parser
that raised). `preflight` checks with one tiny request that the judge can serve a chat completion."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import time
from collections.abc import Callable, Iterable
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
    # After this many requests in a row end as "connection" or "timeout" errors (each after its
    # retries), the rest are recorded as "skipped" errors without being sent; 0: never skip.
    unreachable_limit: int = 16
    logprobs: bool = True  # ask for the verdict token's logprobs where a request wants them (rubric items)

    def describe(self) -> dict:
        """What ran, for the results: never the key."""
        return {
            "model": self.model,
            "base_url": self.base_url or os.environ.get("OPENAI_BASE_URL", "openai default"),
            "structured": self.structured,
            "schema_style": self.schema_style,
            "logprobs": self.logprobs,
        }


@dataclass
class JudgeRequest:
    id: str  # unique per judgment, e.g. "banking-test-00012:single:tuned"
    prompt_name: str
    messages: list[dict]
    schema: dict
    # (raw output, structured, first choice of the completion) -> (value or None, reason)
    parse: Callable[[str, bool, dict | None], tuple[object, str]]
    meta: dict = field(default_factory=dict)
    options: dict = field(default_factory=dict)  # request fields that override the endpoint's (max_tokens, logprobs)
    grammar: str | None = None  # a GBNF grammar, sent to llama.cpp servers only (schema_style "llama_cpp")


STATUSES = ("ok", "unscored", "error")
ERROR_KINDS = ("http_4xx", "http_5xx", "timeout", "connection", "bad_body", "skipped", "internal")
UNREACHABLE = ("connection", "timeout")  # the kinds that count towards unreachable_limit
PREFLIGHT_MESSAGES = [{"role": "user", "content": "Reply with OK."}]
MAX_REASON = 500  # characters of a reason kept in a record


def fingerprint(judge_model: str, prompt_name: str, messages: list[dict]) -> str:
    """What makes two judge requests the same question to the same judge, under the same protocol
    code (the caller checks that): its model, prompt template name and exact messages."""
    blob = json.dumps([judge_model, prompt_name, messages], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def reusable(records: Iterable[dict], source: str) -> dict[str, dict]:
    """Finished judgments (scored or unscored) of an earlier stage by `fingerprint`, each marked with
    the stage it came from: a request with the same fingerprint takes its output instead of asking."""
    return {
        fingerprint(r["judge_model"], r["prompt_name"], r["prompt"]): {
            **r,
            "reused_from": r.get("reused_from") or source,
        }
        for r in records
        if r.get("status") in ("ok", "unscored") and r.get("prompt") and r.get("prompt_name")
    }


def read_judgments(path: Path) -> dict[str, dict]:
    """Finished judgments by id (scored or unscored); errors and a half-written line are retried."""
    return {r["id"]: r for r in read_jsonl(path) if r.get("status") in ("ok", "unscored")}


def status_counts(records: Iterable[dict]) -> dict:
    """{"ok": n, "unscored": n, "error": n, "error_kinds": {kind: n}}; a record with any other
    status (e.g. a caller's "not_judged") is counted under its own key."""
    counts: dict = dict.fromkeys(STATUSES, 0)
    kinds: dict[str, int] = {}
    for record in records:
        status = record.get("status", "missing")
        counts[status] = counts.get(status, 0) + 1
        if status == "error":
            kind = record.get("error_kind") or "unknown"  # written before error kinds existed
            kinds[kind] = kinds.get(kind, 0) + 1
    counts["error_kinds"] = dict(sorted(kinds.items()))
    return counts


class BadBody(Exception):
    """An HTTP 2xx answer whose body is not a chat completion."""


def _one_line(text: object, limit: int = MAX_REASON) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def _scrub(text: str, secret: str) -> str:
    return text.replace(secret, "***") if secret and len(secret) >= 4 else text


def _snippet(text: str, limit: int = 160) -> str:
    return _one_line(text, limit) if text.strip() else "(empty body)"


def _completion(response) -> dict:
    """The JSON body of an httpx response, checked to be a chat completion object (BadBody if not)."""
    head = f"HTTP {response.status_code} but the body"
    content_type = response.headers.get("content-type", "") or "no content-type"
    try:
        body = json.loads(response.content)
    except ValueError:
        raise BadBody(f"{head} is not JSON ({content_type}): {_snippet(response.text)}") from None
    if not isinstance(body, dict):
        raise BadBody(f"{head} is a JSON {type(body).__name__}, not an object: {_snippet(response.text)}")
    if not isinstance(body.get("choices"), list):
        error = body.get("error")
        detail = error.get("message") if isinstance(error, dict) else error
        if detail:
            raise BadBody(f"{head} has an error instead of `choices`: {_one_line(detail, 300)}")
        raise BadBody(f"{head} has no `choices` list: {_snippet(response.text)}")
    return body


def _first_choice(body: dict) -> dict | None:
    choice = body["choices"][0] if body["choices"] else None
    return choice if isinstance(choice, dict) else None


def first_logprobs(choice: dict | None) -> list | None:
    """The first generated token's top logprobs as the endpoint sent them (None when it sent none)."""
    logprobs = (choice or {}).get("logprobs")
    content = logprobs.get("content") if isinstance(logprobs, dict) else None
    if not isinstance(content, list) or not content or not isinstance(content[0], dict):
        return None
    first = content[0]
    return first.get("top_logprobs") or [{"token": first.get("token"), "logprob": first.get("logprob")}]


def _output(body: dict) -> tuple[str | None, str, str | None]:
    """(text, why there is none, finish_reason) of the first choice of a chat completion."""
    if not body["choices"]:
        return None, "the response has no choices (`choices` is empty)", None
    choice = body["choices"][0]
    if not isinstance(choice, dict):
        return None, f"the first choice is a {type(choice).__name__}, not an object", None
    finish = choice.get("finish_reason")
    if not isinstance(choice.get("message"), dict):
        return None, "the first choice has no `message`", finish
    content = choice["message"].get("content")
    if isinstance(content, str):
        return content, "", finish
    refusal = choice["message"].get("refusal")
    why = "the message content is null" if content is None else f"the message content is a {type(content).__name__}"
    why += f" (finish_reason {finish})" if finish else ""
    why += f"; refusal: {refusal}" if refusal else ""
    return None, why, finish


def _root_cause(exc: BaseException) -> str:
    seen = exc
    for _ in range(20):  # the innermost exception: the socket's or the HTTP parser's own words
        inner = seen.__cause__ or (None if seen.__suppress_context__ else seen.__context__)
        if inner is None:
            break
        seen = inner
    if seen is exc:
        return str(exc)
    return f"{type(seen).__name__}: {seen}" if str(seen) else type(seen).__name__


def _retries(n: int) -> str:
    return f"after {n} {'retry' if n == 1 else 'retries'}"


def _failure(exc: Exception, timeout: float, max_retries: int) -> tuple[str, str]:
    """(error kind, reason) for an exception raised while asking for a chat completion."""
    if isinstance(exc, openai.APITimeoutError):  # a subclass of APIConnectionError: first
        return "timeout", f"no answer within {timeout:g} s ({_retries(max_retries)})"
    if isinstance(exc, openai.APIConnectionError):
        return "connection", f"unreachable: {_root_cause(exc)} ({_retries(max_retries)})"
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        body = exc.body
        error = body.get("error", body) if isinstance(body, dict) else body
        detail = error.get("message") if isinstance(error, dict) else error
        if not isinstance(detail, str) or not detail.strip():
            detail = exc.message
        retried = status in (408, 409, 429) or status >= 500
        reason = f"HTTP {status}: {_one_line(detail, 300)}" + (f" ({_retries(max_retries)})" if retried else "")
        return f"http_{status // 100}xx", reason
    if isinstance(exc, BadBody):
        return "bad_body", str(exc)
    return "internal", f"{type(exc).__name__}: {exc}"


def _base_url(endpoint: JudgeEndpoint) -> str:
    return endpoint.describe()["base_url"]


def preflight(endpoint: JudgeEndpoint, *, timeout: float | None = None, max_retries: int = 1) -> None:
    """Send ONE tiny chat completion (no response_format, max_tokens 4) and return if the judge
    answered with a chat completion, whatever its text; raise JudgeUnavailable with a one-line
    message naming the base URL and what went wrong otherwise (unreachable, time-out, an HTTP status
    with the server's message such as a wrong model name, a body that is not a chat completion).
    `timeout` defaults to the endpoint's, at most 20 s; `max_retries` are the client's own."""
    secret = os.environ.get(endpoint.api_key_env) or ""
    timeout = timeout if timeout is not None else min(endpoint.timeout, 20.0)
    try:
        with openai.OpenAI(
            base_url=endpoint.base_url, api_key=secret or "none", max_retries=max_retries, timeout=timeout
        ) as client:
            raw = client.chat.completions.with_raw_response.create(
                model=endpoint.model, messages=PREFLIGHT_MESSAGES, temperature=0, max_tokens=4
            )
            _completion(raw.http_response)
    except Exception as exc:  # every failure becomes the one-line message
        _, reason = _failure(exc, timeout, max_retries)
        message = f"judge at {_base_url(endpoint)} (model {endpoint.model}) cannot serve a chat completion: {reason}"
        raise JudgeUnavailable(_one_line(_scrub(message, secret), 400)) from None


def _response_format(endpoint: JudgeEndpoint, schema: dict) -> dict:
    if endpoint.schema_style == "llama_cpp":
        return {"type": "json_object", "schema": schema}
    return {"type": "json_schema", "json_schema": {"name": "judgment", "schema": schema}}


def _record(endpoint: JudgeEndpoint, req: JudgeRequest) -> dict:
    return {
        "id": req.id,
        "judge_model": endpoint.model,
        "prompt_name": req.prompt_name,
        "prompt": req.messages,
        "structured": endpoint.structured,
        **req.meta,
    }


def _error(record: dict, kind: str, reason: str, secret: str, began: float) -> dict:
    reason = _one_line(_scrub(reason, secret))
    seconds = round(time.perf_counter() - began, 3)
    return {**record, "status": "error", "error_kind": kind, "reason": reason, "error": reason, "seconds": seconds}


async def _judge_one(client, endpoint: JudgeEndpoint, req: JudgeRequest, secret: str = "") -> dict:
    kwargs = {"model": endpoint.model, "messages": req.messages, "temperature": 0, "max_tokens": endpoint.max_tokens}
    if endpoint.structured and req.schema:
        kwargs["response_format"] = _response_format(endpoint, req.schema)
    kwargs.update(req.options)
    if not endpoint.logprobs:
        kwargs.pop("logprobs", None)
        kwargs.pop("top_logprobs", None)
    if req.grammar and endpoint.schema_style == "llama_cpp":
        kwargs["extra_body"] = {"grammar": req.grammar}
    began = time.perf_counter()
    record = _record(endpoint, req)
    try:
        # The raw response: the client still retries and raises on HTTP errors, and the body is checked
        # here. (Parsed by the client, a non-JSON 200 body comes back as a str, or raises JSONDecodeError
        # when labelled application/json; JSON without `choices` becomes a ChatCompletion with choices None.)
        raw = await client.chat.completions.with_raw_response.create(**kwargs)
        body = _completion(raw.http_response)
    except Exception as exc:  # every failure is recorded, none aborts the run
        kind, reason = _failure(exc, endpoint.timeout, endpoint.max_retries)
        return _error(record, kind, reason, secret, began)
    text, why, finish = _output(body)
    value, reason = None, why
    choice = _first_choice(body)
    if text is not None:
        try:
            value, reason = req.parse(text, endpoint.structured and bool(req.schema), choice)
        except Exception as exc:
            return _error(record, "internal", f"the parser raised {type(exc).__name__}: {exc}", secret, began)
    usage = body.get("usage")
    return {
        **record,
        "raw_output": text or "",
        "parsed": value,
        "status": "ok" if value is not None else "unscored",
        "reason": reason,
        "finish_reason": finish,
        **({"logprobs": first_logprobs(choice)} if req.options.get("logprobs") else {}),
        "usage": usage if isinstance(usage, dict) else None,
        "seconds": round(time.perf_counter() - began, 3),
    }


OUTPUT_FIELDS = ("raw_output", "parsed", "status", "reason", "finish_reason", "logprobs", "usage", "seconds")


async def _run(
    requests: list[JudgeRequest], endpoint: JudgeEndpoint, out: Path, progress, on_record=None, reuse=None
) -> list[dict]:
    repair_jsonl_tail(out)
    done = read_judgments(out)
    if reuse:  # the same question to the same judge, answered in an earlier stage: its output, marked
        taken = []
        for r in requests:
            hit = None if r.id in done else reuse.get(fingerprint(endpoint.model, r.prompt_name, r.messages))
            if hit:
                record = {**_record(endpoint, r), **{k: hit[k] for k in OUTPUT_FIELDS if k in hit}}
                done[r.id] = {**record, "reused_from": hit["reused_from"]}
                taken.append(done[r.id])
        if taken:
            out.parent.mkdir(parents=True, exist_ok=True)
            with out.open("a", encoding="utf-8") as fh:
                fh.write("".join(json.dumps(t, ensure_ascii=False, default=str) + "\n" for t in taken))
    pending = [r for r in requests if r.id not in done]
    if progress and len(pending) < len(requests):
        progress(len(requests) - len(pending))  # already on file from an earlier, interrupted run
    secret = os.environ.get(endpoint.api_key_env) or ""
    try:
        client = openai.AsyncOpenAI(
            base_url=endpoint.base_url,
            api_key=secret or "none",
            max_retries=endpoint.max_retries,
            timeout=endpoint.timeout,
        )
    except Exception as exc:  # e.g. a base URL that is not a URL
        raise JudgeUnavailable(_one_line(_scrub(f"judge at {_base_url(endpoint)}: {exc}", secret), 400)) from None
    gate = asyncio.Semaphore(endpoint.concurrency)
    lock = asyncio.Lock()
    unreachable = {"streak": 0, "last": ""}  # requests in a row that ended as connection or timeout errors
    out.parent.mkdir(parents=True, exist_ok=True)

    async def one(req: JudgeRequest) -> dict:
        async with gate:
            if endpoint.unreachable_limit and unreachable["streak"] >= endpoint.unreachable_limit:
                reason = (
                    f"not sent: the judge at {_base_url(endpoint)} was unreachable for the last "
                    f"{unreachable['streak']} requests in a row (last: {unreachable['last']})"
                )
                record = _error(_record(endpoint, req), "skipped", reason, secret, time.perf_counter())
            else:
                record = await _judge_one(client, endpoint, req, secret)
                if record.get("error_kind") in UNREACHABLE:
                    unreachable["streak"] += 1
                    unreachable["last"] = record["reason"]
                elif record.get("error_kind") != "internal":
                    unreachable["streak"] = 0  # the judge answered
        async with lock:
            with out.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
                fh.flush()
            if on_record:
                on_record(record)
        if progress:
            progress(1)
        return record

    try:
        results = await asyncio.gather(*(one(r) for r in pending))
    finally:
        await client.close()
    by_id = {**done, **{r["id"]: r for r in results}}
    return [by_id[r.id] for r in requests]


def run_judgments(
    requests: list[JudgeRequest],
    endpoint: JudgeEndpoint,
    out: Path,
    progress=None,
    on_record=None,
    reuse: dict[str, dict] | None = None,
) -> list[dict]:
    """Judge every request not already on file in `out` (status "ok" or "unscored"); return one record
    per request, in request order. Endpoint failures come back as "error" records (also written to
    `out`, and retried by the next run), never as an exception: count them with status_counts.
    `on_record(record)`, if given, is called with each new record once it is on file. `reuse`
    (`reusable(...)`): earlier stages' judgments of the same judge and protocol code; a request
    with the same `fingerprint` takes that output (with `reused_from`) and is not sent."""
    return asyncio.run(_run(requests, endpoint, Path(out), progress, on_record, reuse))
