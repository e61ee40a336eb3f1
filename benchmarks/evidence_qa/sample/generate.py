"""Writes evidence_qa.csv: a few hundred rows in the column shape of an evidence-grounded financial
QA file (question, evidence_text, answer), made here from templates about fictional companies'
annual reports with computed figures, not copied from any dataset. A few rows are made to be
dropped (an empty answer, a duplicate), so the data card shows the filters at work.

    python benchmarks/evidence_qa/sample/generate.py   (rewrites the shipped file; same bytes every time)
    python benchmarks/evidence_qa/sample/generate.py --seed 7 --out /tmp/other.csv
        (another file of the same columns, for `bench run evidence_qa --source /tmp/other.csv`)
"""

from __future__ import annotations

import argparse
import csv
import random
from pathlib import Path

OUT = Path(__file__).with_name("evidence_qa.csv")
NAMES = ("Alderbrook", "Brightwater", "Cobalt Ridge", "Dunmore", "Eastgate", "Fernhill", "Glenrock", "Harrowgate",
         "Ironvale", "Juniper", "Kestrel", "Larchmont", "Marlow", "Northfield", "Oakhurst", "Pinecrest")  # fmt: skip
KINDS = ("Foods", "Logistics", "Software", "Energy", "Retail", "Pharma", "Textiles", "Media")


def report(rng: random.Random) -> tuple[str, dict]:
    name = f"{rng.choice(NAMES)} {rng.choice(KINDS)}"
    year = rng.randint(2015, 2024)
    revenue = rng.randrange(120, 9000)
    growth = rng.choice((-8, -4, -2, 1, 3, 5, 7, 9, 12, 15, 22))
    margin = rng.choice((4, 6, 8, 10, 12, 15, 18, 21, 25))
    net = round(revenue * margin / 100, 1)
    debt = rng.randrange(50, 4000)
    equity = rng.randrange(200, 6000)
    dividend = rng.choice((0.0, 0.25, 0.4, 0.6, 0.85, 1.1, 1.5))
    staff = rng.randrange(300, 40000, 50)
    text = (
        f"{name} reported revenue of ${revenue:,} million for fiscal {year}, "
        f"{'up' if growth >= 0 else 'down'} {abs(growth)}% from the prior year. Net income was ${net:,} million, "
        f"a net margin of {margin}%. At year end the company held total debt of ${debt:,} million against "
        f"shareholders' equity of ${equity:,} million, and employed {staff:,} people. The board declared a "
        f"dividend of ${dividend:.2f} per share."
    )
    facts = dict(name=name, year=year, revenue=revenue, growth=growth, margin=margin, net=net, debt=debt,
                 equity=equity, dividend=dividend, staff=staff)  # fmt: skip
    return text, facts


def questions(f: dict) -> list[tuple[str, str]]:
    ratio = f["debt"] / f["equity"]
    prior = f["revenue"] / (1 + f["growth"] / 100)
    return [
        (
            f"What was {f['name']}'s revenue in fiscal {f['year']}?",
            f"{f['name']} reported revenue of ${f['revenue']:,} million for fiscal {f['year']}.",
        ),
        (
            f"What net margin did {f['name']} earn in {f['year']}?",
            f"Its net margin was {f['margin']}%, on net income of ${f['net']:,} million.",
        ),
        (
            f"What is {f['name']}'s debt-to-equity ratio at the end of fiscal {f['year']}?",
            f"Debt of ${f['debt']:,} million over equity of ${f['equity']:,} million gives a debt-to-equity ratio of "
            f"{ratio:.2f}.",
        ),
        (
            f"Roughly what was {f['name']}'s revenue the year before {f['year']}?",
            f"Revenue was ${f['revenue']:,} million after a change of {f['growth']}%, so the prior year's was about "
            f"${prior:,.0f} million.",
        ),
        (
            f"Did {f['name']} pay a dividend for fiscal {f['year']}, and how much?",
            "No dividend was declared."
            if not f["dividend"]
            else f"Yes: the board declared ${f['dividend']:.2f} per share.",
        ),
        (
            f"How many people did {f['name']} employ at the end of fiscal {f['year']}?",
            f"It employed {f['staff']:,} people at year end.",
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=20261204, help="random seed (default: the shipped sample's)")
    parser.add_argument("--out", type=Path, default=OUT, help=f"file to write (default: {OUT.name} beside this script)")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    rows = []
    for _ in range(70):
        text, facts = report(rng)
        for q, a in rng.sample(questions(facts), 4):
            rows.append({"question": q, "evidence_text": text, "answer": a})
    rows.append({"question": "What was the revenue?", "evidence_text": rows[0]["evidence_text"], "answer": ""})
    rows += rows[:3]  # exact duplicates
    with args.out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["question", "evidence_text", "answer"])
        writer.writeheader()
        writer.writerows(rows)
    print(f"{args.out}: {len(rows)} rows")


if __name__ == "__main__":
    main()
