"""A verifier adapter's calibration in transformers + peft, without serving it: the rubric prompts of
a judge stage's calibration probes (its judgments.jsonl, ids `cal<N>:<kind>:...`) scored with the
adapter, P(yes) / (P(yes) + P(no)) of the next token, combined as the rubric does (judge/_rubric.py)
and read as the calibration does: per bad kind, the share of (good, bad) pairs of the same probe row
in which the good answer scores higher (ties half). No CI here: the judge stage reports those.
The served adapter gives the same P(yes) (tests/verifier/test_gguf.py), so this is the fast way to
compare two training recipes on the same probes.

    python perf/verifier_calibration.py ADAPTER_DIR runs/banking/judge-<key>/judgments.jsonl [--rows 20]
"""

from __future__ import annotations

import argparse
import math
import sys
from collections import defaultdict
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from judge import _rubric as rubric  # noqa: E402
from judge._probes import GOOD, HELD_OUT  # noqa: E402
from synth import read_jsonl  # noqa: E402
from train import resolve_model  # noqa: E402


def main() -> None:
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("adapter", type=Path)
    ap.add_argument("judgments", type=Path)
    ap.add_argument("--rows", type=int, default=20, help="probe rows cal0 .. cal<rows-1>")
    ap.add_argument("--model", default="smollm2-135m")
    args = ap.parse_args()
    source = resolve_model(args.model)
    tok = AutoTokenizer.from_pretrained(source.path)
    tok.padding_side = "left"
    model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(source.path, dtype=torch.float32),
                                      str(args.adapter)).eval()  # fmt: skip
    yes, no = (tok.encode(w, add_special_tokens=False)[0] for w in ("yes", "no"))
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
    print(
        f"overall pair accuracy {sum(total) / len(total):.3f} over {len(total)} pairs; "
        "columns: mean P(yes) per question"
    )


if __name__ == "__main__":
    main()
