"""How much of the verifier's task the base model already sees: a logistic regression on the frozen
base model's last-token hidden states (layer 20 and the last layer) of a verifier stage's rubric
prompts, fitted on 75% of them and scored on the rest, per rubric question. Compare with the
trained verifier's own validation loss: a probe that beats the adapter says training, not the
model, is what falls short.

    python perf/verifier_probe.py runs/banking/verifier-<key>/dataset [--rows 600] [--model smollm2-135m]
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from train import resolve_model  # noqa: E402


def main() -> None:
    from datasets import load_from_disk
    from sklearn.linear_model import LogisticRegression
    from transformers import AutoModelForCausalLM, AutoTokenizer

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dataset", type=Path)
    ap.add_argument("--rows", type=int, default=600)
    ap.add_argument("--model", default="smollm2-135m")
    args = ap.parse_args()
    source = resolve_model(args.model)
    tok = AutoTokenizer.from_pretrained(source.path)
    model = AutoModelForCausalLM.from_pretrained(source.path, dtype=torch.float32).eval()
    ds = load_from_disk(str(args.dataset))
    questions = [b for split in ds for row in ds[split] for b in row["branches"]]
    random.Random(0).shuffle(questions)
    questions = questions[: args.rows]
    feats, labels, items = [], [], []
    for messages in questions:
        text = tok.apply_chat_template(messages[:-1], tokenize=False, add_generation_prompt=True)
        ids = tok(text, return_tensors="pt", add_special_tokens=False)["input_ids"]
        with torch.no_grad():
            hidden = model(ids, output_hidden_states=True).hidden_states
        feats.append(torch.cat([hidden[min(20, len(hidden) - 1)][0, -1], hidden[-1][0, -1]]).numpy())
        labels.append(messages[-1]["content"] == "yes")
        items.append(messages[1]["content"].rsplit("Question:", 1)[1].strip())
    x, y = np.array(feats), np.array(labels)
    n = int(len(x) * 0.75)
    clf = LogisticRegression(C=0.5, max_iter=3000).fit(x[:n], y[:n])
    right = clf.predict(x[n:]) == y[n:]
    print(
        f"held-out verdicts right: {right.mean():.2f} of {len(right)} "
        f"(majority label {max(y[n:].mean(), 1 - y[n:].mean()):.2f})"
    )
    for item in sorted(set(items)):
        idx = [i - n for i in range(n, len(x)) if items[i] == item]
        if idx:
            print(f"  {right[idx].mean():.2f} of {len(idx):3d}  {item}")


if __name__ == "__main__":
    main()
