"""The data card: a markdown page that says what is in the dataset and how it was made."""

from __future__ import annotations

import pandas as pd

from ._coverage import coverage_summary
from ._domain import Domain
from ._settings import SynthSettings
from ._synthesize import SPLITS, SynthResult

FIELDS = {
    "id": "stable row id: domain-split-index",
    "task": "`assistant` (intent response) or `grounded_qa` (question plus policy evidence)",
    "category / intent": "what the customer wants, from the domain's intents/*.yaml",
    "query": "the customer's message, after language variation",
    "response": "the reference answer, rendered from a response template and the policy sheet "
    "(train/validation: a training reply; test: the intent's reference wording, never in train)",
    "facts": "the policy facts the response states: key (section.fact), kind (amount, rate, duration, "
    "phone, url, text) and value, for fact-level scoring",
    "calibration_response": "test only: a known-good answer in a third wording (neither train nor "
    "reference), for the judge's calibration",
    "evidence": "policy passage shown with the question (grounded_qa only)",
    "variations": "language-variation tags of the query",
    "query_template / response_template": "which template made the row (intent#qN; intent#rN for a "
    "training reply, intent#refN for a reference wording)",
    "slot_values": "JSON of the slot values filled in",
    "messages": "chat format: system / user / assistant",
    "instruction / input / output": "Alpaca format",
}


def _md(df: pd.DataFrame, index: bool = True) -> str:
    return df.to_markdown(index=index)


def _counts(result: SynthResult, key: str) -> pd.DataFrame:
    frames = {s: pd.Series([r[key] for r in result.splits[s]], dtype="object").value_counts() for s in SPLITS}
    df = pd.DataFrame(frames).fillna(0).astype(int).sort_index()
    df.index.name = key
    return df


def _variation_counts(result: SynthResult) -> pd.DataFrame:
    frames = {
        s: pd.Series([t for r in result.splits[s] for t in r["variations"]], dtype="object").value_counts()
        for s in SPLITS
    }
    df = pd.DataFrame(frames).fillna(0).astype(int).sort_index()
    for s in SPLITS:
        df[f"{s} %"] = (100 * df[s] / max(1, len(result.splits[s]))).round(1)
    df.index.name = "variation"
    return df


def _wordings(result: SynthResult) -> pd.DataFrame:
    """Response templates used per split, and how many train and test share (must be none)."""
    used = {s: {r["response_template"] for r in result.splits[s]} for s in SPLITS}
    intents = result.domain.intents
    return pd.DataFrame(
        [
            {
                "intents": len(intents),
                "wordings per intent (min)": min(
                    len(i.responses) + len(i.reference_responses) + len(i.calibration_responses) for i in intents
                ),
                "never trained on, per intent (min)": min(
                    len(i.reference_responses) + len(i.calibration_responses) for i in intents
                ),
                "response templates in train": len(used["train"]),
                "in validation": len(used["validation"]),
                "in test": len(used["test"]),
                "template ids in both train and test": len(used["train"] & used["test"]),
                "test references identical to a train response (values masked)": result.decontamination["responses"][
                    "identical_to_a_train_response"
                ],
            }
        ]
    )


def _lengths(result: SynthResult, count) -> pd.DataFrame:
    rows = []
    for s in SPLITS:
        for name in ("query", "response"):
            n = pd.Series([count(r[name]) for r in result.splits[s]], dtype="float")
            rows.append(
                {
                    "split": s,
                    "field": name,
                    "mean": round(n.mean(), 1),
                    "median": n.median(),
                    "p95": n.quantile(0.95),
                    "min": n.min(),
                    "max": n.max(),
                }
            )
    return pd.DataFrame(rows)


def _filters(result: SynthResult) -> pd.DataFrame:
    rows = []
    for pool, report in result.filters.items():
        for f in report:
            reasons = "; ".join(f"{k}: {v}" for k, v in sorted(f["reasons"].items())) or "-"
            rows.append(
                {
                    "pool": pool,
                    "filter": f["filter"],
                    "rows in": f["in"],
                    "dropped": f["dropped"],
                    "why": reasons,
                }
            )
    return pd.DataFrame(rows)


def _coverage_section(d, coverage: pd.DataFrame | None, real_name: str | None) -> list[str]:
    head = "## Coverage of real customer language"
    if coverage is None:
        return [
            head,
            "Not measured for this dataset. To see which real customer questions the templates miss, build it "
            f"with `bench synth {d.name} --real FILE.csv` (a `text,category` CSV of real queries), or run "
            f"`bench data coverage {d.name} --real FILE.csv`.",
            "",
        ]
    a = coverage.attrs
    poor = coverage[coverage["poorly_covered"]]["category"].tolist()
    shown = coverage.rename(
        columns={
            "category": "real category",
            "covered": f"share >= {a['threshold']}",
            "nearest_intent": "nearest synthetic intent",
            "poorly_covered": "poorly covered",
        }
    )
    return [
        head,
        f"Real queries from `{real_name}` are a yardstick only: none of their text is in the templates. "
        "For each real query, the cosine similarity (all-MiniLM-L6-v2) of its nearest query in this dataset's "
        "train split; per real category its mean, median and 10th percentile, the share at or above "
        f"{a['threshold']}, and the synthetic intent most often nearest. A category is poorly covered when its "
        f"median is below {a['threshold']}. Worst covered first.",
        "",
        f"**{coverage_summary(a)}.**",
        "",
        "Still poorly covered (write intents or query templates for these next): "
        + (", ".join(f"`{c}`" for c in poor) if poor else "none")
        + ".",
        "",
        _md(shown, index=False),
        "",
    ]


def data_card(
    result: SynthResult,
    count_tokens,
    file_hashes: dict[str, str],
    coverage: pd.DataFrame | None = None,
    real_name: str | None = None,
) -> str:
    d, s = result.domain, result.settings
    dec = result.decontamination
    near, resp = dec["near_duplicates"], dec["responses"]
    n_test_templates = sum(len(v["test"]) for v in result.held_out.queries.values())
    n_templates = sum(len(i.queries) for i in d.intents)
    split_table = pd.DataFrame(
        [
            {
                "split": k,
                "rows": len(v),
                "intents": len({r["intent"] for r in v}),
                "grounded_qa rows": sum(r["task"] == "grounded_qa" for r in v),
            }
            for k, v in result.splits.items()
        ]
    )
    parts = [
        f"# Data card: {d.title} (`{d.name}`)",
        "",
        d.description.strip(),
        "",
        f"Synthetic customer-support data made by `{_command(d, s)}` "
        f"from the data files in `benchmarks/{d.name}/` (sha256 `{d.files_hash[:16]}`). "
        f"Every reference response is rendered from the policy sheet of {d.policy.bank}, a fictional bank; "
        "`{{placeholders}}` mark where a real bank would insert customer data.",
        "",
        "## Splits",
        _md(split_table, index=False),
        "",
        "## Held-out design",
        f"Test queries come only from query templates and slot values that train and validation never use: "
        f"{n_test_templates} of {n_templates} query templates "
        f"({s.test_template_fraction:.0%} per intent, at least one) "
        "and the same share of every slot's values "
        f"are reserved for test (seeded by `--seed`). Validation shares train's templates but not its rows. "
        "Responses state the same policy facts in every split by design, but test references use a wording "
        "never trained on (see Held-out wording): the test asks whether the model maps unseen phrasings to "
        "the right policy facts, not whether it repeats a training reply.",
        "",
        "## Filters",
        f"Lengths are counted in {result.token_unit}. Each filter runs on the candidate pool in order; "
        "the pool is then cut to the per-intent quotas.",
        "",
        _md(_filters(result), index=False),
        "",
        "## Held-out wording",
        "Every intent has training replies (`responses`), a reference wording (`reference_responses`) and a "
        "calibration wording (`calibration_responses`) that state the same policy facts in other words. "
        "Train and validation responses use only the training replies; every test reference uses a reference "
        "wording, so neither cosine similarity nor a judge comparing with the reference rewards recall of a "
        "training string; the judge's calibration takes its known-good answers from the calibration wording.",
        "",
        _md(_wordings(result), index=False),
        "",
        "## Decontamination",
        "Test rows are checked against all train and validation rows on three views:",
        "",
        f"- **Queries, n-grams**: the share of each test query's word {dec['ngram']}-grams found in any train or "
        f"validation query or response; over {dec['threshold']} is contaminated and dropped.",
        f"- **Queries, near duplicates** (short queries have no {dec['ngram']}-grams; {near['short_queries']} of "
        f"the {near['checked']} test queries are shorter than {near['short_below_words']} words): {near['method']}; "
        f"a similarity of {near['threshold']} or more is contaminated and dropped.",
        f"- **Responses**: {resp['method']} (n-grams touching a masked value are not counted: every wording "
        "of an intent states the fact values word for word), and whether a masked reference is word for word "
        f"a masked train response ({resp['identical_to_a_train_response']} are). Reported, not dropped.",
        "",
        _md(
            pd.DataFrame(
                [
                    {
                        "view": f"query {dec['ngram']}-grams",
                        "test items checked": dec["checked"],
                        "with any overlap": dec["with_any_overlap"],
                        "over threshold": dec["over_threshold"],
                        "max": dec["max_overlap"],
                        "mean": "",
                        "dropped before selection": dec["dropped_reasons"].get("query n-gram overlap", 0),
                    },
                    {
                        "view": "query similarity",
                        "test items checked": near["checked"],
                        "with any overlap": near["at_least_0.5"],
                        "over threshold": near["over_threshold"],
                        "max": near["max_similarity"],
                        "mean": near["mean_similarity"],
                        "dropped before selection": dec["dropped_reasons"].get("near-duplicate query", 0),
                    },
                    {
                        "view": f"response {resp['ngram']}-grams, values masked",
                        "test items checked": resp["checked"],
                        "with any overlap": resp["with_any_overlap"],
                        "over threshold": "",
                        "max": resp["max_overlap"],
                        "mean": resp["mean_overlap"],
                        "dropped before selection": "",
                    },
                ]
            ),
            index=False,
        ),
        "",
        '"with any overlap" for query similarity counts similarities of 0.5 or more.',
        "",
    ]
    if dec["items"]:
        parts += ["Items over the threshold:", "", _md(pd.DataFrame(dec["items"]), index=False), ""]
    if result.shortfalls:
        short = [
            {"split": k, "intent": i, "rows missing": n} for k, v in result.shortfalls.items() for i, n in v.items()
        ]
        parts += [
            "## Shortfalls",
            "Intents whose templates could not fill their quota after filtering:",
            "",
            _md(pd.DataFrame(short), index=False),
            "",
        ]
    parts += _coverage_section(d, coverage, real_name)
    parts += [
        "## Categories",
        _md(_counts(result, "category")),
        "",
        "## Language variation",
        "Tags in the manner of Bitext: one form tag per query (`question`; `command`, opening with an "
        "imperative; `statement`) or `keyword-only`, plus `polite`, `colloquial`, `abbreviations`, `typos`.",
        "",
        _md(_variation_counts(result)),
        "",
        f"## Lengths ({result.token_unit})",
        _md(_lengths(result, count_tokens), index=False),
        "",
        "## Intents",
        _md(_counts(result, "intent")),
        "",
        "## Fields",
        _md(pd.DataFrame([{"field": k, "meaning": v} for k, v in FIELDS.items()]), index=False),
        "",
        "## Files",
        _md(pd.DataFrame([{"file": k, "sha256": v} for k, v in sorted(file_hashes.items())]), index=False),
        "",
    ]
    return "\n".join(parts)


def _command(d: Domain, s: SynthSettings) -> str:
    """The `bench synth` command that makes these splits: no --size for the domain's default sizes."""
    if s.sizes == SynthSettings.for_domain(d, seed=s.seed).sizes:
        return f"bench synth {d.name} --seed {s.seed}"
    return f"bench synth {d.name} --seed {s.seed} --size {s.train_size}"  # the splits table gives all three
