"""The report's data section: the figures of the run's data card (splits, intents, held-out templates,
what each filter dropped, decontamination), read from the synth stage's synth_report.json. The run
folder keeps a copy of it and of data_card.md, taken from the stage store when the report is first
written, so a committed run's report has them on a fresh clone too."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

DATA_FILES = ("synth_report.json", "data_card.md")


def keep_data_card(run_dir: Path, record: dict) -> Path | None:
    """Copy the synth stage's synth_report.json and data_card.md into the run folder when they are
    not there yet and the store still has them; the run folder's synth_report.json, or None."""
    run_dir = Path(run_dir)
    stage = Path(((record.get("stages") or {}).get("synth") or {}).get("path") or "")
    for name in DATA_FILES:
        if not (run_dir / name).is_file() and stage.parts and (stage / name).is_file():
            shutil.copy2(stage / name, run_dir / name)
    path = run_dir / DATA_FILES[0]
    return path if path.is_file() else None


def data_rows(path: Path | None) -> list[tuple[str, str]]:
    """(what, figures) rows for the report; one row saying why when the data card is not kept."""
    if path is None:
        return [("data card", "not kept with this run (its synth stage folder is gone); rerun bench run to add it")]
    card = json.loads(Path(path).read_text(encoding="utf-8"))
    counts = card.get("counts", {})
    held = card.get("held_out_templates", {})
    test_templates = sum(v.get("test", 0) for v in held.values())
    all_templates = test_templates + sum(v.get("train", 0) for v in held.values())
    rows = [
        ("splits", ", ".join(f"{split} {n}" for split, n in sorted(counts.items()))),
        ("intents", f"{len(held)}; query templates held out for test: {test_templates} of {all_templates}"),
    ]
    for pool, steps in sorted(card.get("filters", {}).items()):
        dropped = [f"{s['filter']} {s['dropped']}" for s in steps if s.get("dropped")]
        first = steps[0]["in"] if steps else 0
        rows.append((f"filters ({pool})", f"{first} candidates; dropped: {', '.join(dropped) or 'none'}"))
    dec = card.get("decontamination") or {}
    near = dec.get("near_duplicates") or {}
    dropped = dec.get("dropped_before_selection", 0)
    rows.append((
        "decontamination",
        f"{dec.get('checked', '-')} test queries checked against train and validation; {dropped} dropped "
        f"before selection; max character 5-gram Jaccard to a train or validation query "
        f"{near.get('max_similarity', '-')} (threshold {near.get('threshold', '-')})",
    ))  # fmt: skip
    shortfalls = card.get("shortfalls") or {}
    rows.append(("shortfalls", "none" if not shortfalls else json.dumps(shortfalls)))
    rows.append(("data card", "data_card.md beside this report; domain files sha256 "
                 f"{str(card.get('domain_files_sha256', '-'))[:16]}"))  # fmt: skip
    return rows
