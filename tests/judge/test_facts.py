"""Fact-level scoring: a fact stated, missing, contradicted, or stated in another format."""

from __future__ import annotations

import pytest

from judge._facts import durations, score_facts
from synth import load_domain
from synth._domain import RESPONSE_KEYS
from synth._render import render
from tests.conftest import BANKING

FEE = {"key": "cards.express_fee", "kind": "amount", "value": "$15"}
TIME = {"key": "cards.replacement_time", "kind": "duration", "value": "5 to 7 business days"}
PHONE = {"key": "contact.card_line", "kind": "phone", "value": "1-800-555-0199"}
RATE = {"key": "accounts.saver_rate", "kind": "rate", "value": "3.10% APY"}
SITE = {"key": "contact.website", "kind": "url", "value": "larkspurbank.example"}
HOW = {"key": "cards.freeze_how", "kind": "text", "value": "in the mobile app under Cards > Freeze card"}
NO_FEE = {"key": "accounts.everyday_fee", "kind": "text", "value": "no monthly fee"}


def test_every_fact_stated_word_for_word():
    s = score_facts(
        [FEE, TIME, PHONE], "Express costs $15; standard cards take 5 to 7 business days. Call 1-800-555-0199."
    )
    assert s["fact_recall"] == 1.0 and s["fact_error"] is False and s["facts_missed"] == []


@pytest.mark.parametrize(
    "fact, answer",
    [
        (FEE, "It costs 15 dollars."),
        (FEE, "The fee is $15.00."),
        (TIME, "Expect it within 5-7 days."),
        (TIME, "It takes five to seven working days."),
        (PHONE, "Ring (800) 555-0199 any time."),
        (PHONE, "Call +1 800 555 0199."),
        (RATE, "Easy Saver pays 3.1 percent."),
        (SITE, "See https://www.LarkspurBank.example/help for more."),
        (HOW, "Open the mobile app, go to Cards and tap Freeze card."),
    ],
)
def test_the_same_value_in_another_format_is_stated(fact, answer):
    s = score_facts([fact], answer)
    assert s["fact_recall"] == 1.0 and s["fact_error"] is False, s


def test_a_missing_fact_lowers_recall_without_an_error():
    s = score_facts([FEE, TIME], "Express delivery is available for a fee.")
    assert s["fact_recall"] == 0.0 and s["fact_error"] is False
    half = score_facts([FEE, TIME], "Express delivery costs $15.")
    assert half["fact_recall"] == 0.5 and half["facts_missed"] == ["cards.replacement_time"]


@pytest.mark.parametrize(
    "fact, answer, stated",
    [
        (FEE, "Express delivery costs $25.", ["25 USD"]),  # $25 is in the policy sheet, but not this fee
        (TIME, "It arrives in 3 business days.", ["3 days"]),
        (TIME, "It arrives within 2 weeks.", ["2 weeks"]),
        (PHONE, "Call 1-800-555-0142.", ["+18005550142"]),  # the bank's main line, not the card line
        (RATE, "Easy Saver earns 4.25% APY.", ["4.25%"]),
        (SITE, "Visit larkspur.com.", ["larkspur.com"]),
    ],
)
def test_a_wrong_value_of_the_same_kind_is_a_fact_error(fact, answer, stated):
    s = score_facts([fact], answer)
    assert s["fact_recall"] == 0.0 and s["fact_error"] is True
    assert s["facts_wrong"] == [{"key": fact["key"], "expected": fact["value"], "stated": stated}]


def test_a_value_of_another_reference_fact_is_not_an_error():
    # $100 is the contactless limit, which this reference also states: not a wrong express fee.
    limit = {"key": "cards.contactless_limit", "kind": "amount", "value": "$100 per transaction"}
    s = score_facts([FEE, limit], "Contactless is capped at $100.")
    assert s["fact_recall"] == 0.5 and s["fact_error"] is False


def test_text_facts_need_most_content_words_and_a_negation_where_the_value_has_one():
    assert score_facts([HOW], "Use the app.")["fact_recall"] == 0.0
    assert score_facts([NO_FEE], "Everyday Checking has no monthly fee.")["fact_recall"] == 1.0
    assert score_facts([NO_FEE], "We don't charge a monthly fee on Everyday Checking.")["fact_recall"] == 1.0
    assert score_facts([NO_FEE], "Everyday Checking has a monthly fee.")["fact_recall"] == 0.0
    assert score_facts([NO_FEE], "No, there is a small monthly fee.")["fact_recall"] == 0.0


def test_an_item_without_facts_is_not_scored():
    s = score_facts([], "I'm sorry, I can't help with that.")
    assert s["fact_recall"] is None and s["fact_error"] is None


def test_durations_parse_ranges_words_and_hyphens_in_minutes():
    day = 1440.0
    assert durations("5 to 7 business days, a 12-month term, two hours, about 10 minutes, between 3 and 4 weeks") == {
        5 * day, 7 * day, 525600.0, 120.0, 10.0, 21 * day, 28 * day
    }  # fmt: skip
    # the same span in another unit is the same duration
    terms = {"key": "loans.terms", "kind": "duration", "value": "12 to 60 months"}
    assert score_facts([terms], "Terms run from 1 to 5 years.")["fact_recall"] == 1.0


def test_values_from_the_question_or_inside_the_reference_are_not_wrong():
    limit = {"key": "transfers.new_payee_limit", "kind": "amount", "value": "$2,500 during the first 24 hours"}
    s = score_facts([limit], "Yes, you can send $3,000 to them.", context="I need to transfer $3,000 to a new payee.")
    assert s["fact_recall"] == 0.0 and s["fact_error"] is False
    hours = {"key": "contact.card_line_hours", "kind": "text", "value": "24 hours a day, 7 days a week"}
    s = score_facts([TIME, hours], "Call us, we are here 24 hours a day.")
    assert s["facts_wrong"] == []  # 24 hours is the reference's own value, not a wrong delivery time


def test_numbers_inside_a_text_fact_must_be_the_same():
    lock = {"key": "cards.pin_lock", "kind": "text", "value": "3 incorrect PIN entries lock the PIN for 24 hours"}
    assert score_facts([lock], "3 incorrect PIN entries lock the PIN for 24 hours.")["fact_recall"] == 1.0
    assert score_facts([lock], "5 incorrect PIN entries lock the PIN for 48 hours.")["fact_recall"] == 0.0
    line = {"key": "security.compromised", "kind": "text", "value": "change your password and call 1-800-555-0199"}
    assert score_facts([line], "Change your password and call 1-800-555-0142.")["fact_recall"] == 0.0


def test_every_banking_wording_states_all_its_intents_facts():
    """Each training reply, reference and calibration wording, rendered, scores full recall and no
    error against its intent's facts: the matching rules agree with the data they score."""
    d = load_domain(BANKING)
    for intent in d.intents:
        facts = [{"key": k, "kind": d.policy.kind(k), "value": d.policy.facts[k]} for k in intent.facts]
        slots = {name: values[0] for name, values in intent.slots.items()}
        for key in RESPONSE_KEYS:
            for text in getattr(intent, key):
                s = score_facts(facts, render(text, slots, d.policy.facts))
                assert s["fact_recall"] in (None, 1.0) and not s["fact_error"], (intent.name, key, s)
