"""The metrics section of a run's results JSON, from the judge stage's per-sample files: for each
contestant and metric the mean, standard error, 95% bootstrap CI, n and unscored count; for each
contestant other than base, the paired difference to base; and the pairwise tuned-vs-base tally."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from synth import read_jsonl

from ._stats import METHOD, describe, paired_difference, pairwise_summary

METRICS = {
    "cosine": "cosine similarity of answer and reference answer (all-MiniLM-L6-v2), all test items",
    "judge_score": "LLM-judge rating 1-10 with the reference shown (single-ref-v1), judged items only",
    "policy_pass": "share of answers passing every rule-based policy check",
    "answer_tokens": "answer length in tokens of the contestant's own tokenizer",
}


def _value(sample: dict, metric: str) -> float | None:
    if metric == "cosine":
        return sample["cosine"]
    if metric == "policy_pass":
        return 1.0 if sample["policy_passed"] else 0.0
    if metric == "answer_tokens":
        return None if sample["answer_tokens"] is None else float(sample["answer_tokens"])
    return sample["judge_score"]  # None when unscored


def _in_metric(sample: dict, metric: str) -> bool:
    """Items the LLM judge was not asked about are outside judge_score, not unscored."""
    return metric != "judge_score" or sample["judge_status"] != "not_judged"


def metrics_section(judge_dir: Path, seed: int = 0) -> dict:
    judge_dir = Path(judge_dir)
    samples = read_jsonl(judge_dir / "scores.jsonl")
    pairs = read_jsonl(judge_dir / "pairwise.jsonl") if (judge_dir / "pairwise.jsonl").is_file() else []
    by_contestant: dict[str, dict[str, dict]] = {}
    for s in samples:
        by_contestant.setdefault(s["contestant"], {})[s["question_id"]] = s
    ids = sorted(by_contestant["base"])
    values = {  # per contestant and metric, in id order; judge_score only over the judged items
        name: {metric: [_value(items[q], metric) for q in ids if _in_metric(items[q], metric)] for metric in METRICS}
        for name, items in by_contestant.items()
    }
    results, comparisons, failures = {}, {}, {}
    for name, items in by_contestant.items():
        results[name] = {metric: describe(values[name][metric], seed, f"{name}:{metric}") for metric in METRICS}
        failures[name] = dict(Counter(f["rule"] for q in ids for f in items[q]["policy_failures"]))
        if name != "base":
            comparisons[f"{name} - base"] = {
                metric: paired_difference(values[name][metric], values["base"][metric], seed, f"{name}-base:{metric}")
                for metric in METRICS
            }
    return {
        "results": results,
        "comparisons": comparisons,
        "pairwise": {"tuned vs base": pairwise_summary([p["winner"] for p in pairs], seed=seed)} if pairs else {},
        "policy_failures": failures,
        "metric_definitions": METRICS,
        "statistics": METHOD,
        "n_samples": {
            "test_items": len(ids),
            "judged_items": sum(_in_metric(by_contestant["base"][q], "judge_score") for q in ids),
        },
    }
