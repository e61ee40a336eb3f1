"""answers: each contestant's answers to the held-out test items, as a stage of its own (never
re-made for a new judge). Local models (base, or base + adapter) answer with the training
prompt's token ids; endpoint contestants answer through an OpenAI-compatible API.

Public entry points: `plan_local` / `plan_endpoint` (what decides the answers, for the stage
key), then `run(plan, out)`; the items are `test_items` (the held-out split) or
`real_query_items` (a sample of a real-query CSV)."""

from __future__ import annotations

from ._endpoint import RemoteContestant, parse_contestant
from ._items import spread, test_items
from ._real_queries import DEFAULT_REAL_ITEMS, RealQueriesError, real_query_items
from ._run import AnswerPlan, LocalContestant, plan_endpoint, plan_local, run
from ._settings import CAP_FACTOR, GenerationSettings, derived_cap

__all__ = [
    "CAP_FACTOR",
    "DEFAULT_REAL_ITEMS",
    "AnswerPlan",
    "GenerationSettings",
    "LocalContestant",
    "RealQueriesError",
    "RemoteContestant",
    "derived_cap",
    "parse_contestant",
    "plan_endpoint",
    "plan_local",
    "real_query_items",
    "run",
    "spread",
    "test_items",
]
