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

from ._seeds import seeds_section
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


# Real customer queries (`bench run --real-queries`): no reference answer, so no fact or cosine metric.
# Their items are clustered by the CSV's category (one customer intent, written by many customers).
REAL_FOLDER = "real_queries"  # the real-query judge's per-sample files, beside results.json
REAL_CLUSTER = "category"
REAL_METRICS = {
    "intent_served": "share of answers whose nearest intent (all-MiniLM-L6-v2 cosine to each intent's centroid of "
    "train-split reference answers, judge/_intent.py) is one its query's category maps to in the domain's "
    "real_queries.yaml; queries of a mapped category only",
    "judge_score": "LLM-judge score without a reference, judged queries only: the product over the rubric's "
    "reference-free yes/no questions (addresses the request, states a wrong fact, refuses wrongly, asks for a "
    "secret; judge/_rubric.py) of P(the answer a good answer gets)",
    "policy_pass": "share of answers passing every rule-based policy check (the customer's message as the only "
    "context; a category mapped to several intents passes if the answer passes as an answer to one)",
    "answer_tokens": METRICS["answer_tokens"],
    "truncated": METRICS["truncated"],
    "loop_blocked": METRICS["loop_blocked"],
}


def supported_metrics(judge_summary: dict) -> dict:
    """METRICS without those the judge stage recorded as skipped (a domain without a policy sheet)."""
    skipped = judge_summary.get("skipped_metrics") or {}
    return {k: v for k, v in METRICS.items() if k not in skipped}


def _value(sample: dict, metric: str) -> float | None:
    if sample.get("answer_status", "ok") != "ok":
        return None  # an endpoint failed to answer: unscored on every metric, counted
    if metric == "intent_served":
        return float(sample["intent_served"])
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
    if metric == "intent_served":  # queries whose category maps to intents
        return bool(sample.get("serving_intents"))
    return True


def _paired(
    values: dict, clusters: dict, name: str, metric: str, seed: int, label: str = "", against: str = "base"
) -> dict:
    """`name` minus `against` over the items both have in the metric, matched by question id."""
    mine, other = values[name][metric], values[against][metric]
    common = [q for q in other if q in mine]
    # the seed label of a comparison with base is unchanged from before comparisons with tuned existed
    tag = f"{label}{name}-base:{metric}" if against == "base" else f"{label}{name}-{against}:{metric}"
    return paired_difference(
        [mine[q] for q in common], [other[q] for q in common], [clusters[q] for q in common], seed, tag
    )


RAG_SUFFIX = "+rag"  # a retrieval contestant (base+rag, tuned+rag): compared with base and with tuned


def comparison_pairs(names) -> list[tuple[str, str]]:
    """(contestant, against) for every comparison of a run: each contestant minus base, and each
    retrieval contestant minus tuned (does retrieval beat fine-tuning, or add to it?)."""
    pairs = [(name, "base") for name in names if name != "base"]
    if "tuned" in names:
        pairs += [(name, "tuned") for name in names if name.endswith(RAG_SUFFIX)]
    return pairs


def holm_family(*sections: dict) -> dict:
    """Holm-adjust every contestant-vs-base p-value of the given sections as one family (p_holm set
    in place); returns the family's description."""
    family = [d for sec in sections for c in sec["comparisons"].values() for d in c.values()]
    family += [d for sec in sections for d in sec.get("pairwise", {}).values()]
    family += [d["vs_base"] for sec in sections for d in ((sec.get("train_seeds") or {}).get("pooled") or {}).values()]
    for d, adjusted in zip(family, holm([d["p_value"] for d in family]), strict=True):
        d["p_holm"] = adjusted
    what = (
        "every comparison of this run: each contestant minus base, each retrieval contestant minus tuned "
        "(metrics and pairwise"
    )
    if any(sec.get("train_seeds") for sec in sections):
        what = what.replace(" (metrics", ", the training seeds' pooled effect minus base (metrics")
    return {
        "family": what + (", synthetic test and real queries)" if len(sections) > 1 else ")"),
        "comparisons": sum(d["p_value"] is not None for d in family),
        "adjustment": "Holm",
    }


def real_queries_section(judge_dir: Path, seed: int = 0) -> dict:
    """The real-query evaluation's figures, as `metrics_section` computes the synthetic test's: per
    contestant and metric, mean with a CI clustered by the query's category, and each contestant
    minus base (p-values adjusted with the synthetic test's, by `results_record`)."""
    section = metrics_section(judge_dir, seed, REAL_METRICS, REAL_CLUSTER, label="real:", adjust=False)
    summary = json.loads((Path(judge_dir) / "judge_summary.json").read_text())
    section["judge"] = {
        "protocol": summary["protocol"],
        "requests": summary["judge_requests"],
        "calibration": "the synthetic test's (see judge.calibration): probes need references",
    }
    section["intent_finder"] = summary.get("intent_finder")
    section["warnings"] = summary.get("warnings", [])
    section["samples"] = {name: f"{REAL_FOLDER}/{name}" for name in SAMPLE_FILES if name != "pairwise.jsonl"}
    return section


def metrics_section(
    judge_dir: Path,
    seed: int = 0,
    metrics: dict = METRICS,
    cluster_by: str = CLUSTER,
    label: str = "",
    adjust: bool = True,
) -> dict:
    """`metrics`, `cluster_by`: the synthetic test's by default (REAL_METRICS, REAL_CLUSTER for real
    queries); `label` prefixes the bootstrap seeds' labels; `adjust`: Holm over this section alone."""
    judge_dir = Path(judge_dir)
    samples = read_jsonl(judge_dir / "scores.jsonl")
    pairs = read_jsonl(judge_dir / "pairwise.jsonl") if (judge_dir / "pairwise.jsonl").is_file() else []
    by_contestant: dict[str, dict[str, dict]] = {}
    for s in samples:
        by_contestant.setdefault(s["contestant"], {})[s["question_id"]] = s
    ids = sorted(by_contestant["base"])
    values = {  # per contestant and metric: question id -> value; judge_score only over the judged items
        name: {metric: {q: _value(items[q], metric) for q in ids if _in_metric(items[q], metric)} for metric in metrics}
        for name, items in by_contestant.items()
    }
    clusters = {q: by_contestant["base"][q][cluster_by] for q in ids}
    results, comparisons, failures, answer_status, judge_status = {}, {}, {}, {}, {}
    for name, items in by_contestant.items():
        results[name] = {
            metric: describe(
                list(values[name][metric].values()),
                [clusters[q] for q in values[name][metric]],
                seed,
                f"{label}{name}:{metric}",
            )  # fmt: skip
            for metric in metrics
        }
        failures[name] = dict(Counter(f["rule"] for q in ids for f in items[q]["policy_failures"]))
        answer_status[name] = dict(Counter(items[q].get("answer_status", "ok") for q in ids))
        judge_status[name] = dict(Counter(items[q]["judge_status"] for q in ids))
    for name, against in comparison_pairs(list(by_contestant)):
        comparisons[f"{name} - {against}"] = {
            metric: _paired(values, clusters, name, metric, seed, label, against) for metric in metrics
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
    section = {"results": results, "comparisons": comparisons, "pairwise": pairwise}
    seeds = seeds_section(values, clusters, results, comparisons, metrics, seed, label)
    if seeds:
        section["train_seeds"] = seeds
    n_samples = {
        "test_items": len(ids),
        "clusters": len(set(clusters.values())),
        "cluster_by": cluster_by,
        "judged_items": sum(_in_metric(by_contestant["base"][q], "judge_score") for q in ids),
    }
    for metric in ("fact_recall", "intent_served"):
        if metric in metrics:
            n_samples["fact_items" if metric == "fact_recall" else "intent_items"] = sum(
                _in_metric(by_contestant["base"][q], metric) for q in ids
            )
    return {
        **section,
        "multiple_comparisons": holm_family(section) if adjust else None,
        "policy_failures": failures,
        "answer_status": answer_status,
        "judge_status": judge_status,
        "metric_definitions": metrics,
        "statistics": {
            **METHOD,
            "paired": METHOD["paired"].replace(
                "contestant - base", "contestant - base (retrieval contestant - tuned too)"
            ),
            **({} if cluster_by == CLUSTER else {"clusters": f"items grouped by {cluster_by}"}),
        },
        "n_samples": n_samples,
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
    real: dict | None = None,
    retrieval: dict | None = None,
    train_seeds: dict | None = None,
) -> dict:
    """The results JSON of one run (without provenance and results_hash, which the writer adds).
    `answers`: contestant -> the answers stage's summary (its `material` says what answered).
    `real`: the real-query evaluation ({"judge_dir", "answers", "source"}), or None.
    `train_seeds`: with --train-seeds, each tuned contestant's training ({"seed", "train_key", ...})."""
    metrics = json.loads((Path(train_dir) / "metrics.json").read_text())
    summary = json.loads((Path(judge_dir) / "judge_summary.json").read_text())
    seed = settings["seeds"]["judge"]
    skipped = summary.get("skipped_metrics") or {}  # what the domain's data cannot support, with the reason
    section = metrics_section(judge_dir, seed=seed, metrics=supported_metrics(summary), adjust=real is None)
    if section.get("train_seeds"):
        section["train_seeds"]["training"] = {
            n: (train_seeds or {}).get(n) for n in section["train_seeds"]["contestants"]
        }
    warnings = list(summary["warnings"])
    real_section = None
    if real:
        real_section = {"source": real["source"], **real_queries_section(real["judge_dir"], seed)}
        section["multiple_comparisons"] = holm_family(section, real_section)
        real_section["multiple_comparisons"] = "adjusted with the synthetic test's: see multiple_comparisons"
        warnings += real_section.pop("warnings")
        for name, a in real["answers"].items():
            if a["failed"]:
                warnings.append(f"{name}: {a['failed']} of {a['items']} real-query answers failed; rerun to retry")
    for name, a in answers.items():
        if a["failed"]:
            warnings.append(f"{name}: {a['failed']} of {a['items']} answers failed (endpoint errors); rerun to retry")
    return {
        "schema": SCHEMA,
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "command": _command(),
        "domain": domain,
        **section,
        **({"skipped_metrics": skipped} if skipped else {}),
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
        **({"real_queries": real_section} if real_section else {}),
        **({"retrieval": retrieval} if retrieval else {}),
    }


def _tree_sha(folder: Path) -> str:
    from train._hashing import sha256_tree

    return sha256_tree(folder)
