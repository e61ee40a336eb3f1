"""Local answers: the ids fed to the model are the training prompt's ids for every prompt
format; batched greedy equals one at a time; seq2seq answers are the decoder's tokens; every
EOS id stops an answer; an answer that reaches the cap is marked as cut."""

from __future__ import annotations

import pytest
import torch

import answers
from answers import GenerationSettings, LocalContestant, derived_cap, plan_local
from answers._local import generate, stop_ids
from answers._loop_guard import AnswerLoopGuard
from train import resolve_model
from train._model import load_base, load_tokenizer
from train._tokenize import IGNORE, tokenize_row

ROWS = [
    {
        "id": f"t{i}",
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": question},
            {"role": "assistant", "content": answer},
        ],
        "instruction": question,
        "input": "",
        "output": answer,
        "response": answer,
    }
    for i, (question, answer) in enumerate(
        [("Lost card?", "Freeze it."), ("What is the wire fee to Germany?", "It is $25."), ("ok", "Fine.")]
    )
]


class Recorder:
    """Wraps a real model's generate and keeps the ids it was given, row by row, unpadded."""

    def __init__(self, model):
        self.model, self.seen = model, []
        self._generate = model.generate

    def __call__(self, input_ids, attention_mask, **kw):
        for ids, mask in zip(input_ids, attention_mask, strict=True):
            self.seen.append(ids[mask.bool()].tolist())
        return self._generate(input_ids=input_ids, attention_mask=attention_mask, **kw)


@pytest.mark.parametrize(
    "fmt,model_fixture",
    [
        ("chat", "tiny_llama"),
        ("plain", "tiny_llama"),
        ("alpaca", "tiny_llama"),
        ("instruction", "tiny_llama"),
        ("instruction", "tiny_t5"),
    ],
)
def test_answer_prompt_ids_equal_the_training_prompt_ids(fmt, model_fixture, request):
    folder = request.getfixturevalue(model_fixture)
    source = resolve_model(str(folder))
    seq2seq = source.model_type == "seq2seq"
    plan = plan_local(LocalContestant(str(folder), fmt, sequence_len=512), ROWS, GenerationSettings(max_new_tokens=3))
    model = load_base(source)
    recorder = Recorder(model)
    model.generate = recorder
    generate(model, plan.extra["tokenizer"], plan.prompts, plan.settings)
    tok = load_tokenizer(source)
    for row, prompt in zip(ROWS, plan.prompts, strict=True):
        trained = tokenize_row(row, tok, fmt, 512, train_on_inputs=False, seq2seq=seq2seq)
        if seq2seq:
            expected = trained["input_ids"]  # the encoder's input, with the tokenizer's own special tokens
        else:
            expected = [t for t, lab in zip(trained["input_ids"], trained["labels"], strict=True) if lab == IGNORE]
        assert prompt == expected
        assert expected in recorder.seen  # what generate was actually given
    if fmt != "chat" and not seq2seq:
        assert all(seen[0] == tok.bos_token_id for seen in recorder.seen)


def test_batched_equals_one_at_a_time(tiny_llama):
    source = resolve_model(str(tiny_llama))
    tok = load_tokenizer(source)
    model = load_base(source)
    prompts = [tok(p, add_special_tokens=False)["input_ids"] for p in ["Hello there, how are", "Hi", "Wire fee?", "ok"]]
    batched = generate(model, tok, prompts, GenerationSettings(max_new_tokens=12, batch_size=4))
    single = [generate(model, tok, [p], GenerationSettings(max_new_tokens=12, batch_size=1))[0] for p in prompts]
    assert [b["answer"] for b in batched] == [s["answer"] for s in single]
    assert [b["prompt_tokens"] for b in batched] == [len(p) for p in prompts]
    assert all(0 <= b["answer_tokens"] <= 12 for b in batched)


def test_seq2seq_answers_equal_a_direct_decode(tiny_t5):
    source = resolve_model(str(tiny_t5))
    tok = load_tokenizer(source)
    model = load_base(source)
    prompts = [tok(p)["input_ids"] for p in ["Instruction: Lost card? Response:", "Instruction: hi Response:"]]
    ours = generate(model, tok, prompts, GenerationSettings(max_new_tokens=10, batch_size=2))
    for prompt, got in zip(prompts, ours, strict=True):
        out = model.generate(input_ids=torch.tensor([prompt]), max_new_tokens=10, do_sample=False)
        direct = tok.decode(out[0], skip_special_tokens=True).strip()
        assert got["answer"] == direct
        # every decoder token is answer: nothing the length of the prompt is cut from its start
        assert got["answer_tokens"] + (not got["truncated"]) == len(out[0]) - 1 or got["truncated"]


def test_every_eos_id_stops_and_the_cap_is_marked(tiny_llama):
    source = resolve_model(str(tiny_llama))
    tok = load_tokenizer(source)
    model = load_base(source)
    prompt = [tok("Hello there", add_special_tokens=False)["input_ids"]]
    free = generate(model, tok, prompt, GenerationSettings(max_new_tokens=8, batch_size=1))[0]
    assert free["truncated"] and free["answer_tokens"] == 8  # a random model never says EOS by itself
    first = model.generate(input_ids=torch.tensor(prompt), max_new_tokens=8, do_sample=False)[0, len(prompt[0]) :]
    stopper = int(first[2])  # make the third answer token an extra EOS id, as a generation config may list
    model.generation_config.eos_token_id = [tok.eos_token_id, stopper]
    assert stop_ids(model, tok) == sorted({tok.eos_token_id, stopper})
    stopped = generate(model, tok, prompt, GenerationSettings(max_new_tokens=8, batch_size=1))[0]
    cut_at = first.tolist().index(stopper)
    assert not stopped["truncated"] and stopped["answer_tokens"] == cut_at


def test_the_default_cap_is_twice_the_longest_reference(tiny_llama):
    plan = plan_local(LocalContestant(str(tiny_llama), "chat"), ROWS, GenerationSettings())
    longest = max(len(r["response"]) + 1 for r in ROWS)  # character tokens plus the closing EOS
    assert plan.cap["longest_reference_tokens"] == longest
    assert plan.settings.max_new_tokens == max(16, 2 * longest) == derived_cap([longest])["max_new_tokens"]
    fixed = plan_local(LocalContestant(str(tiny_llama), "chat"), ROWS, GenerationSettings(max_new_tokens=7))
    assert fixed.settings.max_new_tokens == 7 and "--max-new-tokens" in fixed.cap["rule"]
    assert plan.material != fixed.material  # the cap is part of what decides the answers


def test_the_loop_guard_blocks_repeats_of_the_answer_only():
    """Token 5 would repeat the answer's bigram (4, 5): blocked. Token 9 would repeat the prompt's
    bigram (4, 9): allowed, since quoting the prompt is not a loop. A finished row is not counted."""
    guard = AnswerLoopGuard(2, answer_start=3, stop_ids=[0], rows=2)
    input_ids = torch.tensor([[9, 4, 9, 4, 5, 4], [9, 4, 9, 4, 0, 4]])
    scores = torch.zeros(2, 10)
    scores[:, 5], scores[:, 9] = 2.0, 1.0
    out = guard(input_ids, scores.clone())
    assert out[0].argmax() == 9 and out[0, 5] == float("-inf")
    assert guard.blocked.tolist() == [True, False]  # row 2 stopped (0 is its stop id): padding, not a loop


def test_a_looping_answer_is_changed_and_marked_and_others_are_not(tiny_llama):
    source = resolve_model(str(tiny_llama))
    tok = load_tokenizer(source)
    model = load_base(source)
    prompts = [tok(p, add_special_tokens=False)["input_ids"] for p in ["Hello there", "Wire fee?"]]
    off = generate(model, tok, prompts, GenerationSettings(max_new_tokens=40, loop_guard_ngram=0))
    on = generate(model, tok, prompts, GenerationSettings(max_new_tokens=40, loop_guard_ngram=4))
    far = generate(model, tok, prompts, GenerationSettings(max_new_tokens=40, loop_guard_ngram=41))
    assert all(r["loop_blocked"] is None for r in off)

    def repeats(text: str, n: int) -> bool:
        ids = tok(text, add_special_tokens=False)["input_ids"]
        grams = [tuple(ids[i : i + n]) for i in range(len(ids) - n + 1)]
        return len(grams) != len(set(grams))

    for a, b in zip(off, on, strict=True):
        assert b["loop_blocked"] == repeats(a["answer"], 4)  # a random tiny model loops
        assert b["loop_blocked"] == (a["answer"] != b["answer"])
        assert not repeats(b["answer"], 4)
    assert any(b["loop_blocked"] for b in on)
    # a guard longer than any answer never fires and changes nothing
    assert [r["answer"] for r in far] == [r["answer"] for r in off] and not any(r["loop_blocked"] for r in far)


def test_the_answer_dtype_is_resolved_before_it_keys_the_stage(tiny_llama, tmp_path):
    auto = plan_local(LocalContestant(str(tiny_llama), "chat"), ROWS, GenerationSettings(max_new_tokens=4))
    assert auto.settings.dtype == auto.material["generation"]["dtype"] == "float32"  # a CPU: never bf16 unasked
    bf16 = plan_local(
        LocalContestant(str(tiny_llama), "chat"), ROWS, GenerationSettings(max_new_tokens=4, dtype="bfloat16")
    )
    assert bf16.material["generation"]["dtype"] == "bfloat16" and bf16.material != auto.material
    answered = answers.run(bf16, tmp_path / "bf16-answers")
    assert answered["items"] == len(ROWS) and answered["failed"] == 0


def test_a_merged_adapter_answers_like_the_peft_model(tiny_llama, tmp_path):
    """fp32, nonzero LoRA weights: the answers stage's merged model (the default) gives the PEFT
    model's greedy answers; the setting keys a tuned contestant's stage, never the base's."""
    from peft import LoraConfig, PeftModel, get_peft_model

    from answers._run import merged_adapter

    source = resolve_model(str(tiny_llama))
    config = LoraConfig(r=4, lora_alpha=8, target_modules="all-linear", init_lora_weights=False)
    torch.manual_seed(1)
    get_peft_model(load_base(source), config).save_pretrained(tmp_path / "adapter", safe_serialization=True)
    tuned = LocalContestant(str(tiny_llama), "chat", adapter_dir=tmp_path / "adapter")
    settings = GenerationSettings(max_new_tokens=12)
    merged_plan = plan_local(tuned, ROWS, settings)
    peft_plan = plan_local(tuned, ROWS, GenerationSettings(max_new_tokens=12, merge_adapter=False))
    assert merged_plan.material["generation"]["merge_adapter"] and merged_plan.material != peft_plan.material
    base = plan_local(LocalContestant(str(tiny_llama), "chat"), ROWS, settings)
    assert base.material["generation"]["merge_adapter"] is False
    assert base.material == plan_local(LocalContestant(str(tiny_llama), "chat"), ROWS, peft_plan.settings).material
    peft = PeftModel.from_pretrained(load_base(source), str(tmp_path / "adapter")).eval()
    tok = merged_plan.extra["tokenizer"]
    plain = generate(peft, tok, merged_plan.prompts, merged_plan.settings)
    plain_base = generate(load_base(source), tok, merged_plan.prompts, merged_plan.settings)
    assert [a["answer"] for a in plain] != [a["answer"] for a in plain_base]  # the adapter changes answers
    merged = generate(merged_adapter(peft), tok, merged_plan.prompts, merged_plan.settings)
    assert [a["answer"] for a in merged] == [a["answer"] for a in plain]
    stage = answers.run(merged_plan, tmp_path / "merged-answers")
    assert [r["answer"] for r in stage["records"]] == [a["answer"] for a in plain]


@pytest.mark.parametrize("cache", ["dynamic", "static", "rows cannot leave"])
def test_finished_rows_leave_the_batch_and_the_answers_stay_the_same(tiny_llama, cache, monkeypatch):
    """Rows that stop early are dropped from generate's batch and KV cache (drop_finished); every
    answer, its length, its cut mark and its loop-guard mark are those of the whole-batch decode.
    A static cache is never shrunk (one generate call); a cache whose rows turn out not to be
    removable (a recurrent layer; here: no layer type counted as removable) goes on whole."""
    source = resolve_model(str(tiny_llama))
    tok = load_tokenizer(source)
    model = load_base(source)
    if cache == "static":
        model.generation_config.cache_implementation = "static"
    if cache == "rows cannot leave":
        monkeypatch.setattr(answers._local, "ROW_SELECTABLE", ())
    texts = ["Hello there", "Wire fee?", "ok", "Lost my card yesterday", "hi", "What is the limit?"]
    prompts = [tok(p, add_special_tokens=False)["input_ids"] for p in texts]
    whole = GenerationSettings(max_new_tokens=24, batch_size=6, loop_guard_ngram=3, drop_finished=False)
    free = generate(model, tok, prompts, whole)
    # a random model never stops by itself: make tokens that rows say at different steps extra stop ids
    said = [tok(r["answer"], add_special_tokens=False)["input_ids"] for r in free]
    # one that row 0 says early and some other row never says, so some rows stop and some reach the cap
    stop = next(t for t in said[0][3:] if any(t not in s for s in said[1:]))
    model.generation_config.eos_token_id = [tok.eos_token_id, stop]
    calls = []
    recorder = Recorder(model)

    def counting(input_ids, attention_mask, **kw):
        calls.append(input_ids.shape[0])
        return recorder(input_ids, attention_mask, **kw)

    model.generate = counting
    dropped = generate(model, tok, prompts, GenerationSettings(**{**whole.to_dict(), "drop_finished": True}))
    calls_dropped = list(calls)
    model.generate = recorder._generate
    kept = generate(model, tok, prompts, whole)
    if cache == "dynamic":
        assert len(calls_dropped) > 1 and calls_dropped == sorted(calls_dropped, reverse=True)
        assert calls_dropped[-1] < calls_dropped[0]  # the batch shrank
    elif cache == "static":
        assert calls_dropped == [6]
    else:
        assert calls_dropped == [6, 6]  # stopped once a quarter was done, then the whole batch went on
    fields = ("answer", "answer_tokens", "truncated", "loop_blocked")
    assert [[r[f] for f in fields] for r in dropped] == [[r[f] for f in fields] for r in kept]
    assert any(not r["truncated"] for r in kept) and any(r["truncated"] for r in kept)
    assert any(r["loop_blocked"] for r in kept)  # the guard stepped in, and its marks survived the calls
