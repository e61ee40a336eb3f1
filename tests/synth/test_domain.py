"""Loading and validating a domain: good data loads, bad data names file, line and field."""

from __future__ import annotations

import re

import pytest

from synth import DomainError, load_domain
from tests.conftest import BANKING


def test_banking_domain_has_required_coverage():
    d = load_domain(BANKING)
    assert len(d.intents) >= 24
    names = {i.name for i in d.intents}
    for needed in (
        "lost_or_stolen_card",
        "check_balance",
        "international_transfer",
        "unrecognised_charge",
        "overdraft_fee",
        "reset_password",
        "phishing",
        "request_pin_or_cvv",
        "other_customer_data",
    ):
        assert needed in names
    assert any(i.task == "grounded_qa" for i in d.intents)
    refusing = [i.name for i in d.intents if i.checks.get("refuse")]
    assert set(refusing) >= {"medical_or_legal_advice", "other_customer_data", "request_pin_or_cvv"}


def test_every_number_in_a_banking_response_comes_from_the_policy_sheet():
    from synth._render import literal_text

    d = load_domain(BANKING)
    policy_text = " ".join(d.policy.facts.values())
    policy_numbers = set(re.findall(r"\d[\d,.]*", policy_text))
    for intent in d.intents:
        for response in intent.responses + intent.reference_responses + intent.calibration_responses:
            assert not re.search(r"\d", literal_text(response)), (intent.name, response)
    assert "$25" in d.policy.facts["fees.overdraft_fee"] and "25" in policy_numbers


def test_the_scaffold_validates(small_domain):
    d = load_domain(small_domain)
    assert d.name == "toy" and len(d.intents) == 2


def _edit(path, old, new):
    text = path.read_text()
    assert old in text, f"fixture text not found: {old!r}"
    path.write_text(text.replace(old, new))


def _error(folder) -> DomainError:
    with pytest.raises(DomainError) as info:
        load_domain(folder)
    return info.value


def test_malformed_yaml_names_file_and_line(small_domain):
    _edit(
        small_domain / "intents" / "general.yaml",
        '      - "How do I contact you?"',
        '      - "How do I contact you?\n      : [',
    )
    err = _error(small_domain)
    assert err.file.name == "general.yaml" and err.line is not None
    assert "malformed YAML" in str(err)


def test_slot_with_no_values_names_the_template(small_domain):
    path = small_domain / "intents" / "general.yaml"
    _edit(path, "I called {when}", "I called {weekday}")
    expected_line = next(n for n, line in enumerate(path.read_text().splitlines(), 1) if "{weekday}" in line)
    err = _error(small_domain)
    assert err.file.name == "general.yaml"
    assert err.line == expected_line and err.field == "intents[0].queries[3]"
    assert "slot {weekday} has no values" in str(err)


def test_empty_intent_is_rejected(small_domain):
    path = small_domain / "intents" / "general.yaml"
    text = path.read_text()
    start, end = text.index("    queries:"), text.index("    responses:")
    path.write_text(text[:start] + "    queries: []\n" + text[end:])
    err = _error(small_domain)
    assert err.field == "intents[0].queries" and "needs at least 2" in str(err)


def test_missing_required_field(small_domain):
    _edit(small_domain / "domain.yaml", "system_prompt: >", "system_promt: >")
    err = _error(small_domain)
    assert err.file.name == "domain.yaml" and "system_prompt" in str(err)


def test_response_with_an_invented_number_is_rejected(small_domain):
    _edit(
        small_domain / "intents" / "general.yaml",
        "You can call us on {policy.contact.phone}",
        "You can call us on 555 1234",
    )
    err = _error(small_domain)
    assert err.field == "intents[0].responses[0]" and "number outside the policy sheet" in str(err)


def test_unknown_policy_fact_is_rejected(small_domain):
    _edit(small_domain / "intents" / "general.yaml", "{policy.contact.hours}", "{policy.contact.opening}")
    assert "{policy.contact.opening} is not a fact" in str(_error(small_domain))


def test_undeclared_category_is_rejected(small_domain):
    _edit(small_domain / "intents" / "general.yaml", "category: GENERAL", "category: BILLING")
    err = _error(small_domain)
    assert err.line == 1 and "not declared" in str(err)


def test_slot_with_one_value_cannot_be_held_out(small_domain):
    _edit(small_domain / "slots.yaml", "when: [yesterday, this morning, last week]", "when: [yesterday]")
    assert "at least 2 values" in str(_error(small_domain))


def test_duplicate_intent_names_are_rejected(small_domain):
    _edit(small_domain / "intents" / "out_of_scope.yaml", "intent: unrelated_request", "intent: contact_hours")
    assert "already defined" in str(_error(small_domain))


def test_response_slot_missing_from_a_query_is_rejected(small_domain):
    _edit(small_domain / "intents" / "general.yaml", "You can call us on", "About {topic}: call us on")
    assert "slot {topic} is not in every query" in str(_error(small_domain))


def test_every_banking_intent_has_four_wordings_two_never_trained_on():
    d = load_domain(BANKING)
    for intent in d.intents:
        held_out = intent.reference_responses + intent.calibration_responses
        assert len(intent.responses) + len(held_out) >= 4 and len(held_out) >= 2, intent.name
        assert not set(held_out) & set(intent.responses), intent.name


def test_a_wording_that_states_other_facts_is_rejected(small_domain):
    path = small_domain / "intents" / "general.yaml"
    _edit(path, "someone picks up {policy.contact.hours}", "someone picks up")
    err = _error(small_domain)
    assert err.file.name == "general.yaml" and err.field == "intents[0].reference_responses[0]"
    assert "states other policy facts than responses[0]" in str(err) and "contact.hours" in str(err)


def test_an_intent_without_a_held_out_wording_is_rejected(small_domain):
    path = small_domain / "intents" / "general.yaml"
    text = path.read_text()
    start, end = (
        text.index("    calibration_responses:"),
        text.index('calls {policy.contact.hours} on {policy.contact.phone}."'),
    )
    path.write_text(text[:start] + text[end + len('calls {policy.contact.hours} on {policy.contact.phone}."') + 1 :])
    err = _error(small_domain)
    assert err.field == "intents[0]" and "'calibration_responses' is required" in str(err)


def test_policy_kinds_are_checked(small_domain):
    policy = small_domain / "policy.yaml"
    _edit(policy, "kinds: {phone: phone}", "kinds: {phone: telephone}")
    err = _error(small_domain)
    assert err.file.name == "policy.yaml" and err.field == "sections.contact.kinds.phone"
    _edit(policy, "kinds: {phone: telephone}", "kinds: {fax: phone}")
    err = _error(small_domain)
    assert err.field == "sections.contact.kinds.fax" and "not a fact of this section" in str(err)
    _edit(policy, "kinds: {fax: phone}", "kinds: {phone: phone}")
    assert load_domain(small_domain).policy.kind("contact.phone") == "phone"
    assert load_domain(small_domain).policy.kind("contact.hours") == "text"


def test_one_slot_name_with_two_value_lists_is_rejected(small_domain):
    # the held-out split is seeded by a slot's values: two lists under one name could leak test values into train
    path = small_domain / "intents" / "out_of_scope.yaml"
    _edit(path, "    checks: {refuse: true}", "    checks: {refuse: true}\n    slots:\n      when: [today, tomorrow]")
    _edit(path, '"Write my homework for me."', '"Write my homework for me by {when}."')
    err = str(_error(small_domain))
    assert "out_of_scope.yaml" in err and "slot {when} has other values here than at" in err and "general.yaml" in err


def test_a_real_query_mapping_to_an_unknown_intent_names_file_and_line(small_domain):
    mapping = small_domain / "real_queries.yaml"
    mapping.write_text("categories:\n  opening_times: [contact_hours]\n")
    assert load_domain(small_domain).real_query_intents == {"opening_times": ("contact_hours",)}
    mapping.write_text("categories:\n  opening_times: [contact_hours]\n  refund: [contact_hours, refunds]\n")
    err = _error(small_domain)
    assert err.line == 3 and "'refunds' is not an intent of this domain" in str(err) and "real_queries.yaml" in str(err)
    mapping.write_text("categories:\n  refund: []\n")
    assert "needs at least 1 item" in str(_error(small_domain))


def test_the_real_query_mapping_and_documents_do_not_change_the_dataset_key(small_domain):
    """Only the stages that read them depend on them (keyed by their content there)."""
    before = load_domain(small_domain).files_hash
    (small_domain / "real_queries.yaml").write_text("categories:\n  opening_times: [contact_hours]\n")
    (small_domain / "documents.yaml").write_text("documents:\n  - id: faq\n    title: FAQ\n    text: Parking.\n")
    assert load_domain(small_domain).files_hash == before
    (small_domain / "documents.yaml").write_text("documents:\n  - id: faq\n    title: FAQ\n    text: '  '\n")
    assert "does not match" in str(_error(small_domain))  # a blank document is refused


def test_sizes_set_the_default_rows_and_size_overrides_them(small_domain):
    from synth import SynthSettings

    plain = load_domain(small_domain)
    assert plain.sizes is None
    assert [SynthSettings.for_domain(plain).train_size, SynthSettings.for_domain(plain).test_size] == [1000, 200]
    _edit(small_domain / "domain.yaml", "categories:", "sizes: {train: 30, validation: 5, test: 8}\ncategories:")
    sized = load_domain(small_domain)
    default = SynthSettings.for_domain(sized, seed=3)
    assert (default.train_size, default.validation_size, default.test_size, default.seed) == (30, 5, 8, 3)
    given = SynthSettings.for_domain(sized, 50)
    assert (given.train_size, given.validation_size, given.test_size) == (50, 5, 10)  # --size N: sized(N)


def test_bad_sizes_name_the_field(small_domain):
    _edit(small_domain / "domain.yaml", "categories:", "sizes: {train: 30, validation: 0, test: 8}\ncategories:")
    err = _error(small_domain)
    assert err.file.name == "domain.yaml" and "sizes" in str(err) and "validation" in str(err)
