"""Each filter: a row that must go goes, a row that must stay stays, and the reason is reported."""

from __future__ import annotations

from synth import FilterSettings
from synth.filters import (
    EmptyFilter,
    EnglishFilter,
    ExactDedup,
    LengthFilter,
    NearDedup,
    PiiFilter,
    build_filters,
    run_filters,
    whitespace_tokens,
)

GOOD = {
    "query": "How do I reset my online banking password?",
    "response": "Select Forgot password on the sign-in page.",
}


def row(query=GOOD["query"], response=GOOD["response"]):
    return {"query": query, "response": response}


def test_empty_filter():
    kept, reasons = EmptyFilter().apply([row(), row(query="   \n"), row(response="")])
    assert kept == [row()]
    assert reasons == {"empty query": 1, "empty response": 1}


def test_length_filter_in_words():
    f = LengthFilter(whitespace_tokens, "words", query=(2, 6), response=(3, 50))
    long_query = row(query="one two three four five six seven")
    kept, reasons = f.apply(
        [row(query="hi"), long_query, row(query="lost card help"), row(query="lost card", response="ok")]
    )
    assert kept == [row(query="lost card help")]
    assert reasons == {"query under 2 words": 1, "query over 6 words": 1, "response under 3 words": 1}


def test_length_filter_with_a_real_tokenizer(tmp_path):
    """The model's tokenizer counts differently from whitespace: a long number is many tokens."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.WordLevel({"[UNK]": 0, **{str(d): d + 1 for d in range(10)}}, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Split("", "isolated")  # one token per character
    PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]").save_pretrained(tmp_path)
    from synth.filters import load_token_counter

    count, unit = load_token_counter(str(tmp_path))
    assert unit == "tokens" and count("12345") == 5 and whitespace_tokens("12345") == 1
    f = LengthFilter(count, unit, query=(1, 4), response=(1, 100))
    kept, reasons = f.apply([row(query="12345"), row(query="123")])
    assert kept == [row(query="123")] and reasons == {"query over 4 tokens": 1}


def test_english_filter_by_ascii_ratio():
    f = EnglishFilter(0.9)
    cyrillic = row(query="Как сбросить пароль от онлайн-банка?")
    accented = row(query="Where is the café near my branch, please?")  # one non-ASCII letter stays
    kept, reasons = f.apply([row(), cyrillic, accented])
    assert kept == [row(), accented]
    assert reasons == {"query ASCII ratio under 0.9": 1}


def test_pii_filter_card_numbers_and_ibans():
    card_spaced = row(query="My card 4111 1111 1111 1111 was declined")
    card_plain = row(response="Your card 4111111111111111 is active.")
    iban = row(query="Send it to GB82 WEST 1234 5698 7654 32 today")
    last4 = row(query="The card ending 1234 was declined")  # masked data is fine
    phone = row(response="Call 1-800-555-0199 any time.")  # a phone number is not a card number
    amount = row(query="I want to send $12,000 to Germany")
    kept, reasons = PiiFilter().apply([card_spaced, card_plain, iban, last4, phone, amount])
    assert kept == [last4, phone, amount]
    assert reasons == {"card number in query": 1, "card number in response": 1, "IBAN in query": 1}


def test_exact_dedup_ignores_case_and_punctuation():
    kept, reasons = ExactDedup().apply(
        [row(query="Lost my card!"), row(query="lost my card"), row(query="Lost my PIN")]
    )
    assert [r["query"] for r in kept] == ["Lost my card!", "Lost my PIN"]
    assert sum(reasons.values()) == 1


def test_near_dedup_drops_a_typo_variant_and_keeps_a_different_query():
    base = row(query="How do I reset my online banking password after it expired?")
    typo = row(query="How do I reset my online banking pasword after it expired?")
    other = row(query="What is the fee for sending money to Germany?")
    kept, reasons = NearDedup(threshold=0.8, num_perm=128).apply([base, typo, other])
    assert kept == [base, other]
    assert sum(reasons.values()) == 1


def test_run_filters_reports_every_filter_in_order():
    rows = [row(), row(), row(query=""), row(query="Card 4111-1111-1111-1111 lost please help")]
    kept, report = run_filters(rows, build_filters(FilterSettings()))
    assert kept == [row()]
    assert [r["filter"] for r in report] == [
        "empty",
        "english",
        "length",
        "pii",
        "exact-duplicate",
        "near-duplicate",
    ]
    assert [r["dropped"] for r in report] == [1, 0, 0, 1, 1, 0]
    assert report[0]["in"] == 4 and report[-1]["in"] == 1
