"""Writes finance_instruct.jsonl: a few hundred rows in the column shape of an instruction dataset of
finance questions (system / user / assistant), made here from templates with computed figures, not
copied from any dataset. Some rows are made to be dropped, so the data card shows every filter at
work: empty answers, non-English text, rows too short, exact and near duplicates.

    python benchmarks/finance_instruct/sample/generate.py   (rewrites the shipped file; same bytes every time)
    python benchmarks/finance_instruct/sample/generate.py --seed 7 --out /tmp/other.jsonl
        (another file of the same columns, for `bench run finance_instruct --source /tmp/other.jsonl`)
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

OUT = Path(__file__).with_name("finance_instruct.jsonl")
SYSTEMS = (
    "You are a careful financial educator. Explain clearly and show the arithmetic.",
    "You are a helpful assistant for personal finance questions. Be precise and brief.",
    "",  # no system prompt: the domain's own is used
)


def compound(rng: random.Random) -> tuple[str, str, str]:
    p, r, n = rng.randrange(500, 50001, 250), rng.choice((1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 6, 7, 8)), rng.randint(2, 40)
    value = p * (1 + r / 100) ** n
    q = rng.choice(
        (
            f"If I invest ${p:,} at {r}% a year, compounded annually, what is it worth after {n} years?",
            f"What does ${p:,} grow to in {n} years at an annual rate of {r}% with yearly compounding?",
            f"How much will a ${p:,} deposit be worth after {n} years if it earns {r}% compounded once a year?",
            f"my savings of ${p:,} earn {r}% per year. after {n} yrs with annual compounding how much do i have",
            f"Compute the future value: principal ${p:,}, {r}% annual interest, {n} annual periods.",
            f"Grandma left me ${p:,}. A CD pays {r}% compounded yearly; if I leave it {n} years, what will I have?",
        )
    )
    a = (
        f"With annual compounding the future value is P x (1 + r)^n = ${p:,} x (1 + {r / 100:g})^{n}, "
        f"which is about ${value:,.2f}. Of that, ${value - p:,.2f} is interest."
    )
    return "COMPOUNDING", q, a


def rule_of_72(rng: random.Random) -> tuple[str, str, str]:
    r = rng.choice((2, 3, 4, 4.5, 6, 7.2, 8, 9, 10, 12))
    q = rng.choice(
        (
            f"Roughly how long does money take to double at {r}% a year?",
            f"Using the rule of 72, when does an investment earning {r}% per year double?",
            f"at {r} percent growth how many years until my portfolio doubles",
            f"Estimate the doubling time for a fund returning {r}% annually.",
        )
    )
    a = (
        f"The rule of 72 divides 72 by the annual rate in percent: 72 / {r} = {72 / r:g} years. It is an "
        f"approximation that works best for rates between about 6% and 10%."
    )
    return "COMPOUNDING", q, a


def loan_payment(rng: random.Random) -> tuple[str, str, str]:
    p, r = rng.randrange(5000, 600001, 2500), rng.choice((3, 3.5, 4, 4.5, 5, 5.5, 6, 6.5, 7, 8, 9))
    years = rng.choice((3, 5, 7, 10, 15, 20, 25, 30))
    i, n = r / 100 / 12, years * 12
    pay = p * i / (1 - (1 + i) ** -n)
    q = rng.choice(
        (
            f"What is the monthly payment on a ${p:,} loan at {r}% APR over {years} years?",
            f"I borrow ${p:,} for {years} years at {r}% a year. What will I pay each month?",
            f"mortgage of ${p:,}, {years} year term, rate {r}%: monthly payment?",
            f"Our bank offers {r}% on a {years}-year loan of ${p:,}. How much is each monthly installment?",
        )
    )
    a = (
        f"For an amortizing loan the payment is P x i / (1 - (1 + i)^-n) with the monthly rate i = {r}% / 12 and "
        f"n = {n} payments: about ${pay:,.2f} a month, ${pay * n - p:,.2f} of interest over the loan."
    )
    return "LOANS", q, a


CONCEPTS = (
    (
        "INVESTING",
        "What is diversification and why does it matter?",
        "Diversification spreads money across assets whose returns do not move together, such as stocks, bonds "
        "and cash, or many companies instead of one. It lowers the risk that one loss sinks the whole portfolio "
        "without giving up much expected return.",
    ),
    (
        "INVESTING",
        "What is the difference between an ETF and a mutual fund?",
        "Both pool investors' money into a basket of securities. An ETF trades on an exchange during the day at "
        "a market price, while a mutual fund is bought and sold once a day at its net asset value. ETFs often "
        "have lower fees and can be more tax efficient.",
    ),
    (
        "INVESTING",
        "How do bond prices react when interest rates rise?",
        "They fall. A bond pays a fixed coupon, so when new bonds pay more, existing ones are worth less; the "
        "longer a bond's duration, the larger the price drop for a given rise in rates.",
    ),
    (
        "INVESTING",
        "What does a price-to-earnings ratio tell me?",
        "The P/E ratio is the share price divided by earnings per share: how many dollars investors pay for one "
        "dollar of yearly profit. A high P/E can mean expected growth or an expensive stock; compare it with "
        "similar companies and the company's own history.",
    ),
    (
        "BANKING",
        "What is the difference between APR and APY?",
        "APR is the yearly interest rate without compounding; APY includes the effect of compounding within the "
        "year. A 12% APR compounded monthly is an APY of about 12.68%.",
    ),
    (
        "BANKING",
        "How big should an emergency fund be?",
        "A common guide is three to six months of essential expenses, kept in a safe and easy-to-reach account "
        "such as a savings account. People with irregular income often aim for more.",
    ),
    (
        "CREDIT",
        "What affects my credit score the most?",
        "Payment history and the share of available credit you use weigh the most, followed by the length of "
        "your credit history, new applications and the mix of credit types.",
    ),
    (
        "CREDIT",
        "Is it better to pay off a credit card or invest?",
        "Paying off a card that charges 20% or more is a guaranteed return of that rate, which few investments "
        "beat, so high-interest debt usually comes first; keep a small emergency fund while you do it.",
    ),
    (
        "ECONOMICS",
        "What is inflation and how does it affect savings?",
        "Inflation is the general rise in prices over time. Money earning less than the inflation rate loses "
        "purchasing power: at 3% inflation, $100 buys about $97 of today's goods a year later.",
    ),
    (
        "ECONOMICS",
        "What does liquidity mean for an asset?",
        "Liquidity is how quickly an asset can be turned into cash without lowering its price much. Cash and "
        "large-company shares are liquid; real estate and private businesses are not.",
    ),
)
PARAPHRASE = ("", "Could you explain: ", "Quick question. ", "In simple terms, ")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=20261204, help="random seed (default: the shipped sample's)")
    parser.add_argument("--out", type=Path, default=OUT, help=f"file to write (default: {OUT.name} beside this script)")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    rows = []
    makers = (compound, rule_of_72, loan_payment)
    for k in range(600):
        system = SYSTEMS[k % len(SYSTEMS)]
        if k % 12 == 0:
            _, q, a = rng.choice(CONCEPTS)
            q = rng.choice(PARAPHRASE) + q[0].lower() + q[1:] if rng.random() < 0.5 else q
        else:
            _, q, a = rng.choice(makers)(rng)
        rows.append({"system": system, "user": q, "assistant": a})
    # rows the filters must drop, each kind a few times
    rows += [{"system": "", "user": "What is a stock split?", "assistant": ""}] * 3
    rows += [
        {
            "system": "",
            "user": "Что такое инфляция и как она влияет на мои сбережения?",
            "assistant": "Инфляция — это общий рост цен; она уменьшает покупательную способность денег.",
        }
    ] * 4
    rows += [{"system": "", "user": "APR?", "assistant": "A yearly rate."}] * 3
    rows += rows[:5]  # exact duplicates
    with args.out.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{args.out}: {len(rows)} rows")


if __name__ == "__main__":
    main()
