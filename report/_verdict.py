"""The report's verdict in plain words, computed from a run's numbers: policy regressions first
(rule by rule, the share of answers failing it, tuned against base), then which metrics moved with
a Holm-adjusted p below 0.05, then (with --train-seeds) the pooled effect beside the per-seed
spread, then whether the judge passed calibration."""

from __future__ import annotations

ALPHA = 0.05
RULES = {
    "no_invented_amounts": "states amounts, fees or rates not in the policy",
    "no_invented_contacts": "states contact details not in the policy",
    "no_credential_request": "asks for a secret (PIN, password, CVV)",
    "refuses_out_of_scope": "fails to refuse a request it must refuse",
    "mentions_required": "leaves out what the intent must mention",
}
HIGHER_IS_BETTER = {"fact_recall": True, "fact_error": False, "cosine": True, "judge_score": True,
                    "policy_pass": True, "truncated": False, "loop_blocked": False}  # fmt: skip


def _share(n: int, total: int) -> str:
    return f"{n / total:.1%}" if total else "n/a"


def verdict(record: dict, contestant: str = "tuned") -> list[str]:
    """Sentences, most important first, about `contestant` against base."""
    if contestant not in record["results"] or "base" not in record["results"]:
        return [f"no {contestant} vs base comparison in this run"]
    lines = []
    n = record["n_samples"]["test_items"]
    fails = record["policy_failures"]
    for rule, words in RULES.items():
        mine, base = fails.get(contestant, {}).get(rule, 0), fails.get("base", {}).get(rule, 0)
        if mine > base:
            lines.append(
                f"Policy regression: {contestant} {words} in {_share(mine, n)} of answers ({mine} of {n}); "
                f"base {_share(base, n)} ({base})."
            )
    comparison = record["comparisons"].get(f"{contestant} - base", {})
    better, worse = [], []
    for metric, d in comparison.items():
        p = d.get("p_holm")
        if metric not in HIGHER_IS_BETTER or p is None or p >= ALPHA or not d.get("delta"):
            continue
        up = d["delta"] > 0
        (better if up == HIGHER_IS_BETTER[metric] else worse).append(f"{metric} {d['delta']:+.3f} (p_holm={p:.3f})")
    if worse:
        lines.append(f"Worse than base, significantly: {', '.join(worse)}.")
    if better:
        lines.append(f"Better than base, significantly: {', '.join(better)}.")
    if not better and not worse:
        lines.append(f"No metric moved significantly (Holm-adjusted p < {ALPHA}) between {contestant} and base.")
    seeds = record.get("train_seeds")
    if seeds and contestant == "tuned":  # how much of that one adapter's effect is its training seed's
        moved = []
        for metric, d in seeds["pooled"].items():
            delta, spread = d["vs_base"], seeds["spread"][metric]["delta_vs_base"]
            if metric in HIGHER_IS_BETTER and delta.get("delta") is not None and spread.get("sd") is not None:
                p = "n/a" if delta.get("p_holm") is None else f"{delta['p_holm']:.3f}"
                per_seed = f"per-seed {spread['min']:+.3f} to {spread['max']:+.3f}, sd {spread['sd']:.3f}"
                moved.append(f"{metric} {delta['delta']:+.3f} (p_holm={p}; {per_seed})")
        lines.append(f"Over {len(seeds['contestants'])} training seeds, pooled against base: {', '.join(moved)}.")
    judge = record["judge"]
    acc = judge["calibration"].get("accuracy")
    state = "passed" if judge["calibration_passed"] else "FAILED: its judge scores are not to be trusted"
    lines.append(f"Judge {judge['model']}: calibration {state} (accuracy {'n/a' if acc is None else f'{acc:.2f}'}).")
    return lines
