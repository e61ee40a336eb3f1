"""verifier: a small judge trained for one domain from its synthetic TRAIN split: rubric questions
(judge/_rubric.py) about good and bad answers (judge/_probes.py, every bad kind but the held-out
ones), QLoRA on the shipped SmolLM2-135M by default, written as a llama.cpp LoRA GGUF and served
by the local judge server on top of the base GGUF.

Public entry point: `build(domain, dataset_dir, recipe, settings, out)`; `DEFAULT_RECIPE` is the
default recipe file. What a verifier trained on synthetic errors can and cannot do is in the
README ("The domain verifier")."""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path

from ._dataset import TRAINED_KINDS, VerifierData, grouped, verifier_rows

DEFAULT_RECIPE = Path(__file__).parent / "recipe.yaml"
LORA_FILE = "lora.gguf"

__all__ = ["DEFAULT_RECIPE", "LORA_FILE", "TRAINED_KINDS", "VerifierData", "build", "verifier_rows"]


def _label_auc(rows: list[dict], field: str) -> dict:
    """Per rubric item (and reference mode): the share of (yes, no) row pairs in which the yes row's
    `field` is larger (answer_words: longer; copied: more of it from the reference), ties half: 0.5
    means that field alone cannot tell the labels apart."""
    out = {}
    for item, ref in sorted({(e["item"], e["with_reference"]) for e in rows}):
        values = {
            lab: [e[field] for e in rows if (e["item"], e["with_reference"], e["label"]) == (item, ref, lab)]
            for lab in ("yes", "no")
        }
        pairs = len(values["yes"]) * len(values["no"])
        wins = sum((a > b) + 0.5 * (a == b) for a in values["yes"] for b in values["no"])
        out[f"{item}{'' if ref else ' (no reference)'}"] = round(wins / pairs, 3) if pairs else None
    return out


def _summary(examples: dict[str, list[dict]]) -> dict:
    train = examples["train"]
    words = {label: [e["answer_words"] for e in train if e["label"] == label] for label in ("yes", "no")}
    return {
        "examples": {split: len(rows) for split, rows in examples.items()},
        "balanced_examples": {split: sum(not e["extra"] for e in rows) for split, rows in examples.items()},
        "answers": {split: len({e["group"] for e in rows}) for split, rows in examples.items()},
        "length_auc": _label_auc(train, "answer_words"),
        "copied_auc": _label_auc(train, "copied"),
        "by_item": {
            f"{item}{'' if ref else ' (no reference)'}": dict(
                sorted(Counter(e["label"] for e in train if e["item"] == item and e["with_reference"] == ref).items())
            )
            for item, ref in sorted({(e["item"], e["with_reference"]) for e in train})
        },  # fmt: skip
        "by_kind": dict(sorted(Counter(e["kind"] for e in train).items())),
        "mean_answer_words": {k: round(sum(v) / len(v), 1) if v else None for k, v in words.items()},
        "source_rows": len({e["source_id"] for split in examples.values() for e in split}),
    }


def build(domain, dataset_dir: Path, recipe, settings: VerifierData, out: Path, progress=False) -> dict:
    """Verifier data from `dataset_dir`'s train split, a trained adapter (train.run: resumable from
    its checkpoints in `out`), and `out/lora.gguf`. Returns the summary (also `verifier.json`)."""
    from datasets import Dataset, DatasetDict

    import train
    from synth import read_jsonl
    from train._lora_gguf import check_convertible, lora_to_gguf

    began = time.perf_counter()
    out = Path(out)
    source = train.resolve_model(recipe.base_model)
    check_convertible(source.path / "config.json")  # fail before training, not after it
    rows = read_jsonl(Path(dataset_dir) / "jsonl" / "train.jsonl")
    examples = verifier_rows(domain, rows, settings)
    if not (out / "dataset" / "dataset_dict.json").is_file():
        rows_by_split = {
            split: grouped(v) for split, v in examples.items()
        }  # one row per answer (train/_shared_prefix.py)
        DatasetDict({split: Dataset.from_list(v) for split, v in rows_by_split.items()}).save_to_disk(
            str(out / "dataset")
        )
    if callable(progress):  # the caller's display: name the task as the verifier's training
        shown = progress
        progress = lambda description, total: shown(f"verifier: {description}", total)  # noqa: E731
    metrics = train.run(out, recipe, out, progress=progress)
    lora_to_gguf(out / "adapter", source.path / "config.json", out / LORA_FILE)
    summary = {
        "data": settings.to_dict(),
        "trained_kinds": list(TRAINED_KINDS),
        **_summary(examples),
        "train": {
            k: metrics[k]
            for k in (
                "steps",
                "train_seconds",
                "wall_seconds",
                "base_eval_loss",
                "tuned_eval_loss",
                "effective_tokens_per_s",
                "peak_rss_mb",
            )
        },  # fmt: skip
        "model": metrics["model"],
        "seconds": round(time.perf_counter() - began, 1),
    }
    (out / "verifier.json").write_text(json.dumps(summary, indent=2, default=str) + "\n")
    return summary
