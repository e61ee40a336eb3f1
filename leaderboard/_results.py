"""A run's results JSON (schema domainbench.results/3, in the manner of lm-eval's): from the judge
stage's per-sample files, for each contestant and metric the mean, standard error, 95% bootstrap
CI clustered by intent, n items, k clusters and unscored count; for each contestant other than
base, the paired difference to base with Holm-adjusted p-values over the run's comparisons;
the pairwise tally; policy failures by rule; truncation, failed answers and judge request
statuses; and the configuration and stage records that produced it."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections import Counter
from pathlib import Path

from synth import read_jsonl

from ._stats import METHOD, describe, holm, paired_difference, pairwise_summary

# /3: fact-level metrics, statistics clustered by intent, Holm-adjusted p-values. /4: the judge score is the
# rubric protocol's (0-1, judge/_rubric.py), calibration per bad kind with baselines. Older results are
# made by an older scoring version and are kept out of the leaderboard's tables (see _tables.load_runs).
SCHEMA = "domainbench.results/4"
CLUSTER = "intent"  # the test items' clusters: items made from one intent's templates and facts
# The judge stage's per-sample files a run's results are computed from, kept beside results.json.
SAMPLE_FILES = ("scores.jsonl", "judgments.jsonl", "pairwise.jsonl", "judge_summary.json")
METRICS = {
    "fact_recall": "share of the policy facts stated by the reference that the answer states (values matched "
    "by kind: amounts, rates, durations, phones, URLs as normalised values, text by content words; "
    "judge/_facts.py), test items whose reference states at least one fact",
    "fact_error": "share of answers that state, instead of a reference fact, another value of its kind (a wrong "
    "amount, rate, duration, phone or URL), test items whose reference states at least one fact",
    "cosine": "cosine similarity of answer and reference answer (all-MiniLM-L6-v2; the reference is in a wording "
    "never trained on), all answered test items",
    "judge_score": "LLM-judge score, judged items only: with the rubric protocol (rubric-v1, default) the product over "
    "5 reference-guided yes/no questions of P(the answer a good answer gets), read from the verdict token's "
    "logprobs (0-1); with --judge-protocol rating, a 1-10 rating with the reference shown (single-ref-v1)",
    "policy_pass": "share of answers passing every rule-based policy check",
    "answer_tokens": "answer length in tokens of the contestant's own tokenizer (the stop token not counted)",
    "truncated": "share of answers cut at the answer cap (max_new_tokens) before the model stopped (with the loop "
    "guard on: rambling, or a loop the guard could not break)",
    "loop_blocked": "share of answers in which the loop guard blocked a verbatim repeat of a run of the answer's "
    "own tokens (the model was looping; the answer is what it said instead); local contestants only",
}


def _value(sample: dict, metric: str) -> float | None:
    if sample.get("answer_status", "ok") != "ok":
        return None  # an endpoint failed to answer: unscored on every metric, counted
    if metric == "cosine":
        return sample["cosine"]
    if metric == "fact_recall":
        return sample.get("fact_recall")
    if metric == "fact_error":
        return None if sample.get("fact_error") is None else float(sample["fact_error"])
    if metric == "policy_pass":
        return 1.0 if sample["policy_passed"] else 0.0
    if metric == "answer_tokens":
        return None if sample["answer_tokens"] is None else float(sample["answer_tokens"])
    if metric == "truncated":
        return 1.0 if sample.get("truncated") else 0.0
    if metric == "loop_blocked":  # None: no guard (an endpoint contestant, or the guard turned off)
        return None if sample.get("loop_blocked") is None else float(sample["loop_blocked"])
    return sample["judge_score"]  # None when unscored


FACT_METRICS = ("fact_recall", "fact_error")


def _in_metric(sample: dict, metric: str) -> bool:
    """Items outside a metric are left out of it, not counted as unscored: items the LLM judge was
    not asked about (judge_score), items whose reference states no policy fact (fact metrics)."""
    if metric == "judge_score":
        return sample["judge_status"] != "not_judged"
    if metric in FACT_METRICS:
        return bool(sample.get("facts_expected", 1))
    if metric == "loop_blocked":  # answers made with the guard on
        return sample.get("loop_blocked") is not None
    return True


def _paired(values: dict, clusters: dict, name: str, metric: str, seed: int) -> dict:
    """`name` minus base over the items both have in the metric, matched by question id."""
    mine, base = values[name][metric], values["base"][metric]
    common = [q for q in base if q in mine]
    return paired_difference(
        [mine[q] for q in common], [base[q] for q in common], [clusters[q] for q in common], seed,
        f"{name}-base:{metric}",
    )  # fmt: skip


def metrics_section(judge_dir: Path, seed: int = 0) -> dict:
    judge_dir = Path(judge_dir)
    samples = read_jsonl(judge_dir / "scores.jsonl")
    pairs = read_jsonl(judge_dir / "pairwise.jsonl") if (judge_dir / "pairwise.jsonl").is_file() else []
    by_contestant: dict[str, dict[str, dict]] = {}
    for s in samples:
        by_contestant.setdefault(s["contestant"], {})[s["question_id"]] = s
    ids = sorted(by_contestant["base"])
    values = {  # per contestant and metric: question id -> value; judge_score only over the judged items
        name: {metric: {q: _value(items[q], metric) for q in ids if _in_metric(items[q], metric)} for metric in METRICS}
        for name, items in by_contestant.items()
    }
    clusters = {q: by_contestant["base"][q][CLUSTER] for q in ids}
    results, comparisons, failures, answer_status, judge_status = {}, {}, {}, {}, {}
    for name, items in by_contestant.items():
        results[name] = {
            metric: describe(
                list(values[name][metric].values()),
                [clusters[q] for q in values[name][metric]],
                seed,
                f"{name}:{metric}",
            )  # fmt: skip
            for metric in METRICS
        }
        failures[name] = dict(Counter(f["rule"] for q in ids for f in items[q]["policy_failures"]))
        answer_status[name] = dict(Counter(items[q].get("answer_status", "ok") for q in ids))
        judge_status[name] = dict(Counter(items[q]["judge_status"] for q in ids))
        if name != "base":
            comparisons[f"{name} - base"] = {
                metric: _paired(values, clusters, name, metric, seed) for metric in METRICS
            }
    # One family: every contestant-vs-base p-value of the run (the pairwise test included).
    pairwise = (
        {
            "tuned vs base": pairwise_summary(
                [p["winner"] for p in pairs], [clusters[p["question_id"]] for p in pairs], seed=seed
            )
        }  # fmt: skip
        if pairs
        else {}
    )
    family = [d for c in comparisons.values() for d in c.values()] + list(pairwise.values())
    for d, adjusted in zip(family, holm([d["p_value"] for d in family]), strict=True):
        d["p_holm"] = adjusted
    return {
        "results": results,
        "comparisons": comparisons,
        "multiple_comparisons": {
            "family": "every contestant-vs-base comparison of this run (metrics and pairwise)",
            "comparisons": sum(d["p_value"] is not None for d in family),
            "adjustment": "Holm",
        },
        "pairwise": pairwise,
        "policy_failures": failures,
        "answer_status": answer_status,
        "judge_status": judge_status,
        "metric_definitions": METRICS,
        "statistics": METHOD,
        "n_samples": {
            "test_items": len(ids),
            "clusters": len(set(clusters.values())),
            "cluster_by": CLUSTER,
            "fact_items": sum(_in_metric(by_contestant["base"][q], "fact_recall") for q in ids),
            "judged_items": sum(_in_metric(by_contestant["base"][q], "judge_score") for q in ids),
        },
    }


def _command() -> str | None:
    return " ".join(["bench", *sys.argv[1:]]) if Path(sys.argv[0]).name in ("bench", "__main__.py") else None


def results_record(
    domain: str,
    judge_dir: Path,
    train_dir: Path,
    recipe: dict,
    answers: dict[str, dict],
    stages: dict,
    settings: dict,
    judge_identity: dict,
    task_hashes: dict,
) -> dict:
    """The results JSON of one run (without provenance and results_hash, which the writer adds).
    `answers`: contestant -> the answers stage's summary (its `material` says what answered)."""
    metrics = json.loads((Path(train_dir) / "metrics.json").read_text())
    summary = json.loads((Path(judge_dir) / "judge_summary.json").read_text())
    section = metrics_section(judge_dir, seed=settings["seeds"]["judge"])
    warnings = list(summary["warnings"])
    for name, a in answers.items():
        if a["failed"]:
            warnings.append(f"{name}: {a['failed']} of {a['items']} answers failed (endpoint errors); rerun to retry")
    return {
        "schema": SCHEMA,
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "command": _command(),
        "domain": domain,
        **section,
        "judge": {
            **summary["judge"],
            "identity": judge_identity,
            "requests": summary["judge_requests"],
            "calibration": summary["calibration"],
            "calibration_passed": summary["calibration"]["passed"],
            "protocol": summary.get("protocol", "rating"),
        },
        "config": {
            "recipe": {k: v for k, v in recipe.items() if k != "description"},
            "model": metrics["model"],
            # the trained adapter's hash, whatever engine answered with it (an engine's answers are
            # keyed by its own identity, which carries the LoRA GGUF's hash instead)
            "adapter_sha256": answers["tuned"]["material"].get("adapter_sha256") or _tree_sha(train_dir / "adapter"),
            "prompt_format": metrics["prompt_format"],
            "contestants": {
                name: {
                    "answered_by": a["material"],
                    "max_new_tokens": a["max_new_tokens"],
                    "cap": a["cap"],
                    "truncated": a["truncated"],
                    "loop_blocked": a.get("loop_blocked"),
                    "failed": a["failed"],
                }
                for name, a in answers.items()
            },
            **settings,
            "train": {
                k: metrics.get(k)
                for k in (
                    "base_eval_loss",
                    "tuned_eval_loss",
                    "eval_rows",
                    "steps",
                    "train_seconds",
                    "peak_rss_mb",
                    "precision",
                    "device",
                    "world_size",
                    "effective_batch",
                    "sample_packing",
                )
            },
        },
        "task_hashes": task_hashes,
        "warnings": warnings,
        "samples": {name: name for name in SAMPLE_FILES},
        "stages": stages,
    }


def _tree_sha(folder: Path) -> str:
    from train._hashing import sha256_tree

    return sha256_tree(folder)
