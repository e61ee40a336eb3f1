"""The data card of a dataset made from an existing source (synth/_source.py): where the rows came
from, the column mapping, every filter's drops, split sizes, lengths and decontamination."""

from __future__ import annotations

import pandas as pd

from ._source import SPLITS, SourceResult


def _filters(result: SourceResult) -> str:
    rows = [
        {"pool": pool, "filter": f["filter"], "rows in": f["in"], "dropped": f["dropped"],
         "reasons": "; ".join(f"{k}: {v}" for k, v in sorted(f["reasons"].items())) or "-"}
        for pool, reports in result.filters.items() for f in reports
    ]  # fmt: skip
    return pd.DataFrame(rows).to_markdown(index=False)


def _lengths(result: SourceResult, count) -> str:
    rows = []
    for split in SPLITS:
        for name in ("query", "response"):
            n = [count(r[name]) for r in result.splits[split]] or [0]
            rows.append({"split": split, "field": name, "min": min(n), "median": int(pd.Series(n).median()),
                         "max": max(n)})  # fmt: skip
    return pd.DataFrame(rows).to_markdown(index=False)


def source_card(result: SourceResult, count, hashes: dict[str, str]) -> str:
    spec, domain = result.spec, result.domain
    where = (
        f"local file `{result.origin['file']}` (sha256 `{result.origin['sha256'][:16]}...`)"
        if "file" in result.origin
        else f"hub dataset `{result.origin['hub']}` at revision `{result.origin['revision'] or 'default'}`"
    )
    split_rule = (
        f"the source's own splits ({', '.join(f'{k} <- {v}' for k, v in spec.splits.items())})"
        if spec.splits
        else f"a seeded split (seed {result.seed}: " + ", ".join(f"{k} {v:.0%}" for k, v in spec.split.items()) + ")"
    )
    counts = pd.DataFrame([{"split": s, "rows": len(result.splits[s])} for s in SPLITS]).to_markdown(index=False)
    categories = sorted({r["category"] for rows in result.splits.values() for r in rows if r["category"]})
    mapping = pd.DataFrame([{"harness field": k, "source column": v} for k, v in spec.columns.items()])
    dc = result.decontamination
    files = "\n".join(f"- `{name}`: sha256 `{digest}`" for name, digest in sorted(hashes.items()))
    scoring = (
        "Policy rules and fact recall use the domain's policy sheet."
        if domain.has_policy
        else "This domain has no policy sheet: fact recall and the policy rules are skipped (recorded in the "
        "results with that reason); cosine similarity and the judge's reference-guided rubric score every answer."
    )
    return f"""# Data card: {domain.name}

{domain.title}. {domain.description}

## Source

Rows from the {where}: {sum(result.source_counts.values())} rows in the source
({", ".join(f"{k}: {v}" for k, v in result.source_counts.items())}), split by {split_rule}.
Clusters for the statistics: {
        "the `" + spec.columns["category"] + "` column (" + str(len(categories)) + " categories)"
        if "category" in spec.columns
        else "none (no category column): each item is its own cluster"
    }.

{mapping.to_markdown(index=False)}

{scoring}

## Rows

{counts}

## Filters, in order, with every drop

Lengths in {result.token_unit}; settings: `{spec.filter_settings()}`.

{_filters(result)}

## Lengths

{_lengths(result, count)}

## Decontamination of the test split

{dc["checked"]} test queries checked against train and validation: {dc["over_threshold"]} over the
{dc["ngram"]}-gram overlap threshold of {dc["threshold"]} after dropping {dc["dropped_before_selection"]};
near duplicates (similarity >= {dc["near_duplicates"].get("threshold", "-")}) left: {
        dc["near_duplicates"].get("over_threshold", "-")
    }.

## Files

{files}
"""
