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


def test_the_banking_finder_is_built_from_wording_no_contestant_was_trained_on():
    """The real-query stage's centroids are the calibration wordings; on the reference wordings (another
    held-out wording) the finder names the right one of 116 intents for most answers."""
    import synth
    from bench._real_stage import centroid_examples
    from synth._render import render
    from tests.conftest import BANKING

    domain = synth.load_domain(BANKING)
    examples = centroid_examples(domain)
    trained = {render(t, {k: v[0] for k, v in i.slots.items()}, domain.policy.facts).strip()
               for i in domain.intents for t in i.responses}  # fmt: skip
    assert len(examples) == sum(len(i.calibration_responses) for i in domain.intents)
    assert not {e["response"] for e in examples} & trained
    facts = domain.policy.facts
    rows = [{"intent": i.name, "response": render(t, {k: v[-1] for k, v in i.slots.items()}, facts)}
            for i in domain.intents for t in i.reference_responses]  # fmt: skip
    assert IntentFinder(examples).self_check(rows)["accuracy"] >= 0.8  # measured 0.85
