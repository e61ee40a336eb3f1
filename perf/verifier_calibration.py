"""A verifier adapter's calibration in transformers + peft, without serving it: the rubric prompts of
a judge stage's calibration probes (its judgments.jsonl, ids `cal<N>:<kind>:...`) scored with the
adapter, P(yes) / (P(yes) + P(no)) of the next token, combined as the rubric does (judge/_rubric.py)
and read as the calibration does: per bad kind, the share of (good, bad) pairs of the same probe row
in which the good answer scores higher (ties half). No CI here: the judge stage reports those.
The served adapter gives the same P(yes) (tests/train/test_lora_gguf.py), so this is the fast way to
compare two training recipes on the same probes. Instead of a judge stage's judgments, a synth
stage's folder builds the calibration probes itself (judge/_calibration.py, the same
generators and seed), as many probe rows as asked (one intent each), so no judge run is needed.

    python perf/verifier_calibration.py ADAPTER_DIR runs/banking/judge-<key>/judgments.jsonl [--rows 20]
    python perf/verifier_calibration.py ADAPTER_DIR runs/banking/synth-<key> --domain banking [--rows 43] [--dump F]

--dump writes each probe answer's P(yes) per question (JSONL), to study how the items combine.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections import defaultdict
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from judge import _rubric as rubric  # noqa: E402
from judge._calibration import calibration_requests, make_probes, probe_rows  # noqa: E402
from judge._probes import (  # noqa: E402
    GOOD,
    HELD_OUT,
    ProbeMaker,  # noqa: E402
)
from synth import load_domain, read_jsonl  # noqa: E402
from train import resolve_model  # noqa: E402
from verifier import VerifierData, verifier_rows  # noqa: E402


def validation_probes(domain, train_rows: list[dict], n: int) -> list[dict]:
    """Calibration-style probes (altered references, one row per intent) of the train rows the
    verifier's data keeps for validation, good answers from the intent's training wordings."""
    settings = VerifierData()
    held = {e["source_id"] for e in verifier_rows(domain, train_rows, settings)["validation"]}
    rows = [r for r in train_rows if r["id"] in held]
    maker, wordings = ProbeMaker(domain, rows, settings.seed), {i.name: i.responses for i in domain.intents}
    return [{"row": row, "answers": {p.kind: p for p in maker.probes(row, wordings=wordings[row["intent"]],
                                                                     defect_base="reference")}}
            for row in probe_rows(rows, n, 0)]  # fmt: skip


def main() -> None:
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("adapter", type=Path)
    ap.add_argument("judgments", type=Path, help="a judge stage's judgments.jsonl, or a synth stage's folder")
    ap.add_argument("--domain", default="banking", help="with a synth stage's folder: the domain under benchmarks/")
    ap.add_argument("--seed", type=int, default=0, help="with a synth stage's folder: the calibration seed")
    ap.add_argument("--in-distribution", action="store_true",
                    help="with a synth stage's folder: probes of the verifier's own validation rows (train split, "
                         "held out of its training) with the training wordings as good answers, to tell a wording "
                         "shift from a failure to learn")  # fmt: skip
    ap.add_argument("--rows", type=int, default=20, help="probe rows cal0 .. cal<rows-1>")
    ap.add_argument("--model", default="smollm2-135m")
    ap.add_argument("--dump", type=Path, help="write each probe answer's P(yes) per question as JSONL")
    args = ap.parse_args()
    source = resolve_model(args.model)
    tok = AutoTokenizer.from_pretrained(source.path)
    tok.padding_side = "left"
    model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(source.path, dtype=torch.float32),
                                      str(args.adapter)).eval()  # fmt: skip
    yes, no = (tok.encode(w, add_special_tokens=False)[0] for w in ("yes", "no"))
    if args.judgments.is_dir():
        domain = load_domain(Path(__file__).resolve().parents[1] / "benchmarks" / args.domain)
        if args.in_distribution:
            probes = validation_probes(domain, read_jsonl(args.judgments / "jsonl" / "train.jsonl"), args.rows)
        else:
            probes = make_probes(domain, read_jsonl(args.judgments / "jsonl" / "test.jsonl"), args.rows, args.seed)
        recs = [{"id": r.id, "prompt": r.messages, "rubric_item": r.meta["rubric_item"]}
                for r in calibration_requests(probes, "rubric")]  # fmt: skip
        truths = {(f"cal{i}", kind): p.truth for i, probe in enumerate(probes) for kind, p in probe["answers"].items()}
    else:
        recs = [r for r in read_jsonl(args.judgments) if r["id"].startswith("cal") and ":rubric:" not in r["id"]]
    recs = [r for r in recs if int(r["id"].split(":")[0][3:]) < args.rows]
    texts = [tok.apply_chat_template(r["prompt"], tokenize=False, add_generation_prompt=True) for r in recs]
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    p_yes = [0.0] * len(texts)
    for start in range(0, len(order), 16):
        idx = order[start : start + 16]
        enc = tok([texts[i] for i in idx], return_tensors="pt", padding=True, add_special_tokens=False)
        with torch.no_grad():
            logp = torch.log_softmax(model(**enc).logits[:, -1].float(), -1)
        for j, i in enumerate(idx):
            y, n = logp[j, yes].exp().item(), logp[j, no].exp().item()
            p_yes[i] = y / (y + n)
    good = {i.name: i.good for i in rubric.ITEMS}
    answers: dict[tuple[str, str], dict] = defaultdict(dict)
    for r, p in zip(recs, p_yes, strict=True):
        row, kind = r["id"].split(":")[:2]
        answers[(row, kind)][r["rubric_item"]] = p
    score = {k: math.prod(v[i] if good[i] == "yes" else 1 - v[i] for i in v) for k, v in answers.items()}
    if args.dump:
        args.dump.write_text("".join(json.dumps({"row": row, "kind": kind, "good": kind in GOOD, "p_yes": v}) + "\n"
                                     for (row, kind), v in sorted(answers.items())))  # fmt: skip
    print(f"{'kind':22s} " + " ".join(f"{i.name[:8]:>8s}" for i in rubric.ITEMS) + "   pair accuracy (pairs)")
    total = []
    for kind in sorted({k for _, k in answers}):
        mean = [sum(v.get(i.name, 0) for (_, k), v in answers.items() if k == kind) /
                sum(1 for _, k in answers if k == kind) for i in rubric.ITEMS]  # fmt: skip
        pairs = [float(score[(row, g)] > s) + 0.5 * (score[(row, g)] == s)
                 for (row, k), s in score.items() if k == kind and kind not in GOOD
                 for g in GOOD if (row, g) in score]  # fmt: skip
        total += pairs
        mark = " (held out)" if kind in HELD_OUT else ""
        acc = f"   {sum(pairs) / len(pairs):.2f} ({len(pairs)}){mark}" if pairs else "   (good)"
        print(f"{kind:22s} " + " ".join(f"{m:8.2f}" for m in mean) + acc)
    if args.judgments.is_dir():  # per question: does its P(good outcome) separate the answers it should?
        print("per question, AUC of P(good outcome) between answers a correct judge passes and fails on it:")
        for item in rubric.ITEMS:
            ok = [v[item.name] for k, v in answers.items() if truths[k][item.name] == item.good]
            bad = [v[item.name] for k, v in answers.items() if truths[k][item.name] != item.good]
            ok, bad = ([p if item.good == "yes" else 1 - p for p in side] for side in (ok, bad))
            auc = sum((a > b) + 0.5 * (a == b) for a in ok for b in bad) / max(1, len(ok) * len(bad))
            print(f"  {item.name:12s} AUC {auc:.3f}  ({len(ok)} pass, {len(bad)} fail)")
    print(
        f"overall pair accuracy {sum(total) / len(total):.3f} over {len(total)} pairs; "
        "columns: mean P(yes) per question"
    )


if __name__ == "__main__":
    main()
