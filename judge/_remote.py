"""A contestant behind any OpenAI-compatible endpoint (`openai:MODEL@BASE_URL`): it answers the
same chat messages as the local contestants (system + user turn), greedy (temperature 0), with
the same max_new_tokens. Calls go through the judge's client, so they get the same retries,
bounded concurrency, per-call JSONL log and resume; answers are cached under a key of the
endpoint, the model, the generation settings and the prompt."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from ._client import JudgeEndpoint, JudgeRequest, run_judgments
from ._errors import JudgeUnavailable
from ._generate import GenerationSettings, answer_key, cached_answers

PREFIX = "openai:"


@dataclass(frozen=True)
class RemoteContestant:
    model: str
    base_url: str | None = None  # None: OPENAI_BASE_URL, else OpenAI
    api_key_env: str = "OPENAI_API_KEY"

    @property
    def name(self) -> str:
        return f"{PREFIX}{self.model}"

    def identity(self) -> str:
        """What answered: the model at its endpoint (never the key); part of every answer's cache key."""
        return f"{self.model}@{self.base_url or os.environ.get('OPENAI_BASE_URL', 'openai default')}"


def parse_contestant(spec: str) -> RemoteContestant:
    """`openai:MODEL` or `openai:MODEL@BASE_URL` (BASE_URL starting with http:// or https://)."""
    if not spec.startswith(PREFIX) or len(spec) == len(PREFIX):
        raise ValueError(f"a contestant must look like openai:MODEL or openai:MODEL@BASE_URL, got '{spec}'")
    model, at, url = spec[len(PREFIX) :].rpartition("@")
    if at and url.startswith(("http://", "https://")) and model:
        return RemoteContestant(model=model, base_url=url)
    return RemoteContestant(model=spec[len(PREFIX) :])


def _as_is(output: str, structured: bool) -> tuple[str, str]:
    return output, "ok"


def remote_answers(
    contestant: RemoteContestant, rows: list[dict], settings: GenerationSettings, out: Path, progress=None
) -> list[dict]:
    """Answers in row order, written to answers_<model>.jsonl; calls logged in answers_<model>.calls.jsonl."""
    stem = "answers_" + "".join(c if c.isalnum() or c in "-_." else "_" for c in contestant.name)
    path, calls = out / f"{stem}.jsonl", out / f"{stem}.calls.jsonl"
    prompts = [row["messages"][:2] for row in rows]  # system + user: what every contestant is asked
    keys = [answer_key(contestant.identity(), None, settings, json.dumps(p)) for p in prompts]

    def answer(todo: list[int]) -> list[dict]:
        endpoint = JudgeEndpoint(
            model=contestant.model,
            base_url=contestant.base_url,
            api_key_env=contestant.api_key_env,
            structured=False,
            max_tokens=settings.max_new_tokens,
        )
        requests = [
            JudgeRequest(id=keys[i], prompt_name="contestant", messages=prompts[i], schema={}, parse=_as_is)
            for i in todo
        ]
        records = []
        for i, res in zip(todo, run_judgments(requests, endpoint, calls, progress), strict=True):
            if res["status"] != "ok":
                raise JudgeUnavailable(f"contestant {contestant.name} failed on {rows[i]['id']}: {res.get('error')}")
            usage = res.get("usage") or {}
            records.append(
                {
                    "key": keys[i],
                    "question_id": rows[i]["id"],
                    "contestant": contestant.name,
                    "model": contestant.identity(),
                    "model_sha256": None,  # an endpoint's weights cannot be hashed from here
                    "adapter_sha256": None,
                    "prompt": prompts[i],
                    "answer": (res["raw_output"] or "").strip(),
                    "prompt_tokens": usage.get("prompt_tokens"),
                    "answer_tokens": usage.get("completion_tokens"),
                    "seconds": res["seconds"],
                }
            )
        return records

    return cached_answers(path, keys, answer)
