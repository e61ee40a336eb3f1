"""Integration: base and a tuned adapter served by one llama.cpp server on loopback (the shipped base
GGUF, the adapter as a LoRA GGUF on top, one model name each, as `vllm serve --lora-modules` names
them) answer through the endpoint-contestant path; the adapter changes the answers; what answered
is recorded without the port, so a second server's answers come from the cache."""

from __future__ import annotations

import json

import pytest
import torch

from answers import GenerationSettings
from answers._endpoint import endpoint_answers
from answers._served import served_contestants
from train import resolve_model
from train._sources import gguf_path

QUESTIONS = ("I lost my card, what should I do?", "What is the fee for a wire transfer?", "How do I open an account?")
ROWS = [
    {"id": f"s{i}", "messages": [{"role": "system", "content": "You are a bank's assistant."},
                                 {"role": "user", "content": q}]}
    for i, q in enumerate(QUESTIONS)
]  # fmt: skip


@pytest.fixture(scope="module")
def adapter(tmp_path_factory):
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    source = resolve_model("smollm2-135m")
    model = AutoModelForCausalLM.from_pretrained(source.path, dtype=torch.float32)
    config = LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj", "o_proj", "up_proj"],
                        layers_to_transform=[26, 27, 28, 29], init_lora_weights=False)  # fmt: skip
    model = get_peft_model(model, config)
    torch.manual_seed(0)
    with torch.no_grad():  # strong enough to change greedy answers
        for name, p in model.named_parameters():
            if "lora_" in name:
                p.copy_(torch.randn_like(p) * (0.1 if "lora_B" in name else 0.3))
    out = tmp_path_factory.mktemp("adapter")
    model.save_pretrained(out, safe_serialization=True)
    return out, source.path / "config.json"


@pytest.mark.integration
def test_base_and_tuned_answer_from_one_server(tmp_path, adapter, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-must-not-be-sent")
    folder, config = adapter
    settings = GenerationSettings(max_new_tokens=24)
    with served_contestants(gguf_path("smollm2-135m"), {"tuned": folder}, config, tmp_path / "lora") as served:
        assert set(served) == {"base", "tuned"}
        assert served["base"].base_url == served["tuned"].base_url
        got = {name: endpoint_answers(c, ROWS, settings, tmp_path / name) for name, c in served.items()}
        port = served["base"].base_url.rsplit(":", 1)[1]
    for name, records in got.items():
        assert [r["status"] for r in records] == ["ok"] * 3, records
        assert all(r["answer"] and r["answer_tokens"] for r in records)
        assert all(r["model"] == served[name].identity() and port not in r["model"] for r in records)
        assert {r["engine"] for r in records} == {"llama.cpp server (llama-cpp-python), on 127.0.0.1"}
    assert "+lora:" in got["tuned"][0]["model"] and "+lora:" not in got["base"][0]["model"]
    assert [r["answer"] for r in got["base"]] != [r["answer"] for r in got["tuned"]]
    # a second server (another port) is the same contestant: every answer comes from the cache
    calls = (tmp_path / "tuned" / "calls.jsonl").read_text().count("\n")
    with served_contestants(gguf_path("smollm2-135m"), {"tuned": folder}, config, tmp_path / "lora2") as again:
        cached = endpoint_answers(again["tuned"], ROWS, settings, tmp_path / "tuned")
    assert [r["answer"] for r in cached] == [r["answer"] for r in got["tuned"]]
    assert (tmp_path / "tuned" / "calls.jsonl").read_text().count("\n") == calls
    # the user's OpenAI key is never sent to the local server: its endpoint reads another variable
    assert all(c.endpoint(24).api_key_env != "OPENAI_API_KEY" for c in served.values())
    assert "sk-must-not-be-sent" not in json.dumps(cached)
