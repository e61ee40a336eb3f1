"""Batched greedy generation with left padding equals one-at-a-time generation; cache keys
differ across models, adapters and settings."""

from __future__ import annotations

import torch

from judge._generate import GenerationSettings, answer_key, append_answers, generate, read_answers
from train import resolve_model
from train._model import load_base, load_tokenizer


def test_batched_equals_one_at_a_time(tiny_llama):
    source = resolve_model(str(tiny_llama))
    tok = load_tokenizer(source)
    model = load_base(source)
    torch.manual_seed(0)
    prompts = ["Hello there, how are", "Hi", "What is the fee for a wire transfer to Germany?", "ok so"]
    settings = GenerationSettings(max_new_tokens=12, batch_size=4)
    batched = generate(model, tok, prompts, settings)
    single = [generate(model, tok, [p], GenerationSettings(max_new_tokens=12, batch_size=1))[0] for p in prompts]
    assert [b["answer"] for b in batched] == [s["answer"] for s in single]
    assert [b["prompt_tokens"] for b in batched] == [len(p) for p in prompts]  # character-level tokenizer
    assert all(0 < b["answer_tokens"] <= 12 for b in batched)


def test_cache_keys_include_model_adapter_and_settings():
    s = GenerationSettings()
    base = answer_key("m1", None, s, "p")
    assert base == answer_key("m1", None, s, "p")
    assert (
        len(
            {
                base,
                answer_key("m2", None, s, "p"),
                answer_key("m1", "a1", s, "p"),
                answer_key("m1", "a2", s, "p"),
                answer_key("m1", None, GenerationSettings(max_new_tokens=64), "p"),
                answer_key("m1", None, s, "q"),
            }
        )
        == 6
    )


def test_answers_file_survives_a_half_written_line(tmp_path):
    path = tmp_path / "answers.jsonl"
    append_answers(path, [{"key": "k1", "answer": "a"}, {"key": "k2", "answer": "b"}])
    with path.open("a") as fh:
        fh.write('{"key": "k3", "ans')
    assert set(read_answers(path)) == {"k1", "k2"}
    append_answers(path, [{"key": "k3", "answer": "c"}])  # the torn line is cut, not glued to
    assert read_answers(path)["k3"]["answer"] == "c" and len(path.read_text().splitlines()) == 3
