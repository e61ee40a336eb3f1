"""A contestant behind any OpenAI-compatible endpoint (`openai:MODEL@BASE_URL`): it answers the
same chat messages as the local contestants (system + user turn), greedy (temperature 0), with
the same answer cap. Calls go through the judge's HTTP client (the client's retries, bounded
concurrency, a per-call JSONL log, resume); a call that fails is recorded with its status and
asked again on the next run, never cached as an answer."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from judge._client import JudgeEndpoint, JudgeRequest, run_judgments

from ._cache import answer_key, cached_answers
from ._settings import GenerationSettings

PREFIX = "openai:"


@dataclass(frozen=True)
class RemoteContestant:
    model: str
    base_url: str | None = None  # None: OPENAI_BASE_URL, else OpenAI
    api_key_env: str = "OPENAI_API_KEY"
    engine: str = "OpenAI-compatible endpoint"  # recorded with every answer

    @property
    def name(self) -> str:
        return f"{PREFIX}{self.model}"

    def identity(self) -> str:
        """What answered: the model at its endpoint, part of every answer's cache key. Never a secret:
        credentials or a query string in the URL are dropped."""
        return f"{self.model}@{public_url(self.base_url or os.environ.get('OPENAI_BASE_URL', 'openai default'))}"

    def endpoint(self, max_tokens: int) -> JudgeEndpoint:
        return JudgeEndpoint(
            model=self.model,
            base_url=self.base_url,
            api_key_env=self.api_key_env,
            structured=False,
            max_tokens=max_tokens,
        )


def public_url(url: str) -> str:
    """The URL without user:password@ and without a query string (where keys are sometimes passed)."""
    parts = urlsplit(url)
    if not parts.netloc:
        return url
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def parse_contestant(spec: str) -> RemoteContestant:
    """`openai:MODEL` or `openai:MODEL@BASE_URL` (BASE_URL starting with http:// or https://)."""
    if not spec.startswith(PREFIX) or len(spec) == len(PREFIX):
        raise ValueError(f"a contestant must look like openai:MODEL or openai:MODEL@BASE_URL, got '{spec}'")
    model, at, url = spec[len(PREFIX) :].rpartition("@")
    if at and url.startswith(("http://", "https://")) and model:
        return RemoteContestant(model=model, base_url=url)
    return RemoteContestant(model=spec[len(PREFIX) :])


def chat_prompt(row: dict) -> list[dict]:
    """System + user turn: what every contestant is asked."""
    return row["messages"][:2]


def _as_is(output: str, structured: bool, choice: dict | None = None) -> tuple[str, str]:
    return output, "ok"


def endpoint_answers(
    contestant: RemoteContestant, rows: list[dict], settings: GenerationSettings, out: Path, progress=None
) -> list[dict]:
    """Answers in row order, cached in out/answers.jsonl; every call logged in out/calls.jsonl.
    A failed call gives a record with status "error" and its reason, and no answer."""
    prompts = [chat_prompt(row) for row in rows]
    keys = [answer_key(contestant.identity(), None, settings, json.dumps(p)) for p in prompts]

    def answer(todo: list[int], keep) -> list[dict]:
        requests = [
            JudgeRequest(id=keys[i], prompt_name="contestant", messages=prompts[i], schema={}, parse=_as_is)
            for i in todo
        ]
        endpoint = contestant.endpoint(settings.max_new_tokens)
        by_key = {keys[i]: i for i in todo}

        def record(res: dict) -> dict:
            i = by_key[res["id"]]
            usage = res.get("usage") or {}
            # "unscored" here means a completion came back with no usable text (null content, no
            # choices): the model's answer, empty, and final like any answer at temperature 0.
            ok = res["status"] in ("ok", "unscored")
            return {
                "key": keys[i],
                "question_id": rows[i]["id"],
                "engine": contestant.engine,
                "model": contestant.identity(),
                "model_sha256": None,  # an endpoint's weights cannot be hashed from here
                "adapter_sha256": None,
                "prompt": prompts[i],
                "status": "ok" if ok else "error",
                "reason": res.get("reason") if res["status"] != "ok" else None,
                "answer": (res.get("raw_output") or "").strip() if ok else None,
                "prompt_tokens": usage.get("prompt_tokens"),
                "answer_tokens": usage.get("completion_tokens"),
                "truncated": res.get("finish_reason") == "length",
                "seconds": res.get("seconds"),
            }

        done = run_judgments(requests, endpoint, out / "calls.jsonl", progress, on_record=lambda r: keep([record(r)]))
        return [record(r) for r in done]

    return cached_answers(out / "answers.jsonl", keys, answer)
