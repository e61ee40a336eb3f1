"""Held-out design: each intent's query templates, and each slot's values, are split so that no
test query shares a template or a slot value with train."""

from __future__ import annotations

import random
from dataclasses import dataclass

from ._domain import Domain
from ._errors import DomainError


@dataclass(frozen=True)
class HeldOut:
    queries: dict[str, dict[str, tuple[int, ...]]]  # intent -> split side -> template indices
    values: dict[str, dict[str, dict[str, tuple[str, ...]]]]  # intent -> side -> slot -> values

    def summary(self) -> dict:
        return {
            intent: {side: len(ids) for side, ids in sides.items()} for intent, sides in sorted(self.queries.items())
        }


def partition(items: list, fraction: float, rng: random.Random) -> tuple[list, list]:
    """(train side, test side); the test side gets round(fraction * n), at least one, never all."""
    shuffled = list(items)
    rng.shuffle(shuffled)
    k = min(max(1, round(fraction * len(shuffled))), len(shuffled) - 1)
    return sorted(shuffled[k:], key=items.index), sorted(shuffled[:k], key=items.index)


def hold_out(domain: Domain, seed: int, fraction: float) -> HeldOut:
    queries, values = {}, {}
    for intent in domain.intents:
        train_q, test_q = partition(
            list(range(len(intent.queries))), fraction, random.Random(f"{seed}:q:{intent.name}")
        )
        queries[intent.name] = {"train": tuple(train_q), "test": tuple(test_q)}
        values[intent.name] = {"train": {}, "test": {}}
        for slot, vals in intent.slots.items():
            # Seeded by the slot and its values, so a shared slot splits the same way in every intent.
            rng = random.Random(f"{seed}:v:{slot}:{'|'.join(vals)}")
            train_v, test_v = partition(list(vals), fraction, rng)
            values[intent.name]["train"][slot] = tuple(train_v)
            values[intent.name]["test"][slot] = tuple(test_v)
    _one_side_per_value(values, domain)
    return HeldOut(queries=queries, values=values)


def _one_side_per_value(values: dict, domain: Domain) -> None:
    """One value under two slot names ("credit card" in {card} and in {source_card}) can be split to test for
    one and to train for the other. Such a value leaves the test side of every slot that can spare it, then
    the train side of every slot that can; so no test query shares a value with train. In place; a no-op
    (the same split) when no value is on both sides."""

    def on(side: str) -> set[str]:
        return {v.lower() for by_side in values.values() for vals in by_side[side].values() for v in vals}

    for side, other in (("test", "train"), ("train", "test")):
        shared = on(side) & on(other)
        for by_side in values.values():
            for slot, vals in by_side[side].items():
                by_side[side][slot] = tuple(v for v in vals if v.lower() not in shared) or vals
    left = on("test") & on("train")
    if left:
        raise DomainError(
            domain.root / "slots.yaml",
            f"slot values {sorted(left)} are the only test values of one slot and the only train values of "
            "another; give one of those slots more values",
        )
