"""A domain made from an existing dataset instead of templates (domain.yaml `source:`): a local
CSV / JSONL / Parquet file or a hub dataset (id and revision), loaded with `datasets`, its columns
mapped to the harness fields, split as the source splits it or by a seeded split, then the same
filter chain as synthetic data (empty rows, English by ASCII ratio, token bounds, PII, duplicates
and near-duplicates) with the domain's own settings, per-split caps, and the test split
decontaminated against train and validation. Every drop is counted, per filter, for the card."""

from __future__ import annotations

import json
import random
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ._decontaminate import decontaminate, final_report
from ._errors import DomainError
from ._settings import FilterSettings
from .filters import build_filters, load_token_counter, run_filters

FIELDS = ("question", "reference", "system", "evidence", "category")  # harness field <- source column
REQUIRED = ("question", "reference")
FORMATS = {".csv": "csv", ".jsonl": "json", ".json": "json", ".parquet": "parquet"}
SPLITS = ("train", "validation", "test")


@dataclass(frozen=True)
class SourceSpec:
    """domain.yaml's `source:` block, validated by the domain schema."""

    columns: dict[str, str]  # harness field -> source column
    path: str | None = None  # a local file, relative to the domain folder (or absolute)
    hub: str | None = None  # a hub dataset id
    revision: str | None = None  # the hub dataset's revision (commit, tag or branch)
    splits: dict[str, str] = field(default_factory=dict)  # harness split -> the source's split name
    split: dict[str, float] = field(default_factory=lambda: {"validation": 0.05, "test": 0.15})  # seeded shares
    caps: dict[str, int] = field(default_factory=dict)  # harness split -> at most this many rows
    filters: dict = field(default_factory=dict)  # FilterSettings fields
    decontamination: dict = field(default_factory=lambda: {"ngram": 8, "threshold": 0.5, "similarity": 0.9})

    @classmethod
    def from_yaml(cls, raw: dict) -> SourceSpec:
        return cls(**raw)

    def with_location(self, location: str) -> SourceSpec:
        """The same mapping and filters on another file or hub id (`--source PATH_OR_ID`): a hub id is
        OWNER/NAME[@REVISION]; anything else is a file path."""
        is_hub = "/" in location and location.count("/") == 1 and not Path(location.split("@")[0]).expanduser().exists()
        if not is_hub or Path(location).suffix in FORMATS:
            return SourceSpec(**{**asdict(self), "path": str(Path(location).expanduser().resolve()), "hub": None})
        name, _, revision = location.partition("@")
        return SourceSpec(**{**asdict(self), "path": None, "hub": name, "revision": revision or None})

    def filter_settings(self) -> FilterSettings:
        return FilterSettings(**self.filters)

    def to_dict(self) -> dict:
        return asdict(self)

    def settings(self) -> dict:
        """What decides the rows besides the data itself (the stage key's part; no file location)."""
        return {k: v for k, v in asdict(self).items() if k not in ("path", "hub", "revision")}


def source_file(spec: SourceSpec, root: Path) -> Path | None:
    if spec.path is None:
        return None
    path = Path(spec.path)
    return path if path.is_absolute() else Path(root) / path


def describe(spec: SourceSpec, root: Path) -> dict:
    """Where the rows come from: a local file's name and bytes' hash, or a hub dataset's id, revision
    and the commit of its cached snapshot. The stage key uses it, so it holds no machine's paths."""
    import hashlib

    path = source_file(spec, root)
    if path is not None:
        if not path.is_file():
            raise DomainError(root / "domain.yaml", f"the source file {path} does not exist", field="source.path")
        return {"file": path.name, "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
    return {"hub": spec.hub, "revision": spec.revision, "commit": _hub_snapshot(spec, root).name}


def _hub_snapshot(spec: SourceSpec, root: Path) -> Path:
    """The cached snapshot of a hub dataset; a one-line error that says how to fetch it when absent."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HfHubHTTPError, LocalEntryNotFoundError

    try:
        return Path(snapshot_download(spec.hub, repo_type="dataset", revision=spec.revision, local_files_only=True))
    except (LocalEntryNotFoundError, HfHubHTTPError, OSError, ValueError):
        at = f" --revision {spec.revision}" if spec.revision else ""
        raise DomainError(
            root / "domain.yaml",
            f"the hub dataset {spec.hub}{'@' + spec.revision if spec.revision else ''} is not cached here (offline); "
            f"fetch it where there is a network: huggingface-cli download --repo-type dataset {spec.hub}{at}",
            field="source.hub",
        ) from None


def load_source_splits(spec: SourceSpec, root: Path) -> dict[str, list[dict]]:
    """The source's rows by the source's own split names, as plain dicts."""
    import datasets

    datasets.disable_progress_bars()
    path = source_file(spec, root)
    try:
        if path is not None:
            builder = FORMATS.get(path.suffix.lower())
            if builder is None:
                raise DomainError(root / "domain.yaml", f"{path.name}: not a CSV, JSONL or Parquet file",
                                  field="source.path")  # fmt: skip
            if not path.is_file():
                raise DomainError(root / "domain.yaml", f"the source file {path} does not exist", field="source.path")
            loaded = datasets.load_dataset(builder, data_files={"train": str(path)})
        else:
            loaded = datasets.load_dataset(str(_hub_snapshot(spec, root)))
    except DomainError:
        raise
    except Exception as exc:  # datasets raises many kinds for a malformed file; name the file
        where = path or spec.hub
        first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise DomainError(root / "domain.yaml", f"could not read the source {where}: {first}", field="source") from None
    return {name: [dict(r) for r in ds] for name, ds in loaded.items()}


def _mapped(spec: SourceSpec, raw: dict[str, list[dict]], root: Path) -> dict[str, list[dict]]:
    """Rows in the harness's fields; a mapped column the source lacks is a one-line error."""
    columns = {c for rows in raw.values() for c in (rows[0].keys() if rows else ())}
    for name in REQUIRED:
        if name not in spec.columns:
            raise DomainError(root / "domain.yaml", f"source.columns needs '{name}'", field="source.columns")
    for name, column in spec.columns.items():
        if column not in columns:
            raise DomainError(
                root / "domain.yaml",
                f"source.columns.{name} names the column '{column}', which the source does not have "
                f"(its columns: {', '.join(sorted(columns))})",
                field=f"source.columns.{name}",
            )

    def text(row: dict, name: str) -> str:
        column = spec.columns.get(name)
        value = row.get(column) if column else None
        return "" if value is None else str(value).strip()

    out = {}
    for split, rows in raw.items():
        out[split] = [
            {
                "query": text(r, "question"),
                "response": text(r, "reference"),
                "system": text(r, "system"),
                "evidence": text(r, "evidence"),
                "category": text(r, "category"),
                "source_row": i,
                "source_split": split,
            }
            for i, r in enumerate(rows)
        ]
    return out


@dataclass
class SourceResult:
    """What the synth stage's save() needs of a source-built dataset."""

    domain: object
    spec: SourceSpec
    seed: int
    splits: dict[str, list[dict]]
    filters: dict[str, list[dict]]  # pool -> per-filter report
    decontamination: dict
    origin: dict
    token_unit: str
    source_counts: dict[str, int]  # rows per source split, before any filter

    @property
    def settings(self) -> dict:
        return {"seed": self.seed, "source": self.spec.to_dict(), "origin": self.origin}


def _split(rows: list[dict], shares: dict[str, float], seed: int) -> dict[str, list[dict]]:
    order = list(range(len(rows)))
    random.Random(f"source-split:{seed}").shuffle(order)
    n_test = round(len(rows) * shares.get("test", 0.0))
    n_val = round(len(rows) * shares.get("validation", 0.0))
    test = sorted(order[:n_test])
    val = sorted(order[n_test : n_test + n_val])
    train = sorted(order[n_test + n_val :])
    return {"train": [rows[i] for i in train], "validation": [rows[i] for i in val], "test": [rows[i] for i in test]}


def build_from_source(domain, spec: SourceSpec, seed: int = 0, origin: dict | None = None) -> SourceResult:
    """Load, map, filter, split, decontaminate (test against all of train and validation) and cap a
    source; the same inputs give the same rows."""
    root = Path(domain.root)
    origin = origin or describe(spec, root)
    raw = load_source_splits(spec, root)
    counts = {k: len(v) for k, v in raw.items()}
    mapped = _mapped(spec, raw, root)
    settings = spec.filter_settings()
    count, unit = load_token_counter(settings.tokenizer)
    chain = build_filters(settings, count, unit)
    reports = {}
    if spec.splits:  # the source's own splits: train and validation are filtered together (one dedup)
        missing = [s for s in spec.splits.values() if s not in mapped]
        if missing:
            raise DomainError(root / "domain.yaml", f"source.splits names '{missing[0]}', which the source does not "
                              f"have (its splits: {', '.join(mapped)})", field="source.splits")  # fmt: skip
        seen_side = [
            dict(r, side=s) for s in ("train", "validation") if s in spec.splits for r in mapped[spec.splits[s]]
        ]
        kept, reports["train+validation"] = run_filters(seen_side, chain)
        test, reports["test"] = run_filters(mapped[spec.splits["test"]] if "test" in spec.splits else [], chain)
        splits = {"train": [r for r in kept if r["side"] == "train"],
                  "validation": [r for r in kept if r["side"] == "validation"], "test": test}  # fmt: skip
        if "validation" not in spec.splits:  # a seeded share of train
            extra = _split(splits["train"], {"validation": spec.split.get("validation", 0.05)}, seed)
            splits["train"], splits["validation"] = extra["train"], extra["validation"]
    else:  # one pool: filtered once (duplicates across the future splits go), then a seeded split
        pool = [r for rows in mapped.values() for r in rows]
        kept, reports["all rows"] = run_filters(pool, chain)
        splits = _split(kept, spec.split, seed)
    dc = spec.decontamination
    seen = splits["train"] + splits["validation"]
    test, reasons = decontaminate(seen, splits["test"], dc["ngram"], dc["threshold"], dc["similarity"])
    dropped = sum(reasons.values())
    reports.setdefault("test", []).append(
        {"filter": f"decontamination ({dc['ngram']}-gram overlap over {dc['threshold']}, or similarity >= "
         f"{dc['similarity']}, vs train and validation)", "in": len(test) + dropped, "dropped": dropped,
         "reasons": reasons}
    )  # fmt: skip
    splits["test"] = test
    for split, cap in spec.caps.items():
        if len(splits.get(split, [])) > cap:
            rng = random.Random(f"source-cap:{seed}:{split}")
            keep = sorted(rng.sample(range(len(splits[split])), cap))
            reports.setdefault("caps", []).append(
                {"filter": f"cap ({split}: at most {cap}, seeded sample)", "in": len(splits[split]),
                 "dropped": len(splits[split]) - cap, "reasons": {f"over the {split} cap": len(splits[split]) - cap}}
            )  # fmt: skip
            splits[split] = [splits[split][i] for i in keep]
    for split in SPLITS:
        for i, row in enumerate(splits[split]):
            row.pop("side", None)
            row["id"] = f"{domain.name}-{split}-{i:05d}"
            row["split"] = split
    seen = splits["train"] + splits["validation"]
    final = final_report(seen, splits["test"], dc["ngram"], dc["threshold"], dc["similarity"], reasons)
    return SourceResult(domain, spec, seed, splits, reports, final, origin, unit, counts)


def harness_row(domain, row: dict) -> dict:
    """A source row in the synthetic rows' fields: its category is the statistics' cluster, recorded
    as `intent` (without a category column each item is its own cluster); no policy facts, no templates."""
    category = row["category"] or "ALL"
    return {
        "id": row["id"],
        "split": row["split"],
        "domain": domain.name,
        "task": "grounded_qa" if row["evidence"] else "assistant",
        "category": category,
        "intent": row["category"] or row["id"],
        "query": row["query"],
        "response": row["response"],
        "facts": [],
        "calibration_response": "",
        "evidence": row["evidence"],
        "variations": [],
        "query_template": "",
        "response_template": "",
        "slot_values": json.dumps({"source_split": row["source_split"], "source_row": row["source_row"]}),
        "system": row["system"],
    }
