"""The intent finder: the nearest intent centroid (MiniLM, the shipped model) names the intent a
text serves; its self-check counts how often it names a known intent."""

from __future__ import annotations

import pytest

from judge._intent import IntentFinder

EXAMPLES = [
    {"intent": "lost_card", "response": "Freeze your card in the app right away and order a replacement card."},
    {
        "intent": "lost_card",
        "response": "If your card is lost or stolen, lock it in the app and we will send a new one.",
    },
    {"intent": "transfer_fee", "response": "Sending money abroad costs a fee of a few dollars per transfer."},
    {"intent": "transfer_fee", "response": "International transfers carry a small fee, shown before you confirm."},
    {"intent": "branch_hours", "response": "Our branches open at nine in the morning and close at five."},
]


@pytest.fixture(scope="module")
def finder():
    return IntentFinder(EXAMPLES)


def test_the_nearest_centroid_names_the_intent_a_text_serves(finder):
    found = finder.nearest(
        ["Somebody stole my card, lock it and send me another one.", "What time does the branch close today?"]
    )
    assert [name for name, _ in found] == ["lost_card", "branch_hours"]
    assert all(0 < cos <= 1 for _, cos in found) and finder.nearest([]) == []


def test_the_self_check_counts_right_and_wrong_names(finder):
    rows = [
        {"intent": "transfer_fee", "response": "A fee applies when you send money to another country."},
        {"intent": "branch_hours", "response": "Report a stolen card in the app and get a new card."},  # mislabelled
    ]
    check = finder.self_check(rows)
    assert check["accuracy"] == 0.5 and check["items"] == 2 and check["intents"] == 3
    with pytest.raises(ValueError, match="no examples"):
        IntentFinder([])
