"""The verifier's build end to end on a tiny llama: its data from the train split, a resumable QLoRA
training through the project's training step, and a LoRA GGUF llama.cpp can load (adapter metadata,
llama.cpp tensor names, shapes that match the base's)."""

from __future__ import annotations

import json

import gguf

import synth
from tests.conftest import BANKING
from tests.tiny_models import tiny_recipe
from verifier import LORA_FILE, VerifierData, build


def test_build_trains_and_writes_a_lora_gguf(tmp_path, tiny_llama):
    synth.build(BANKING, synth.SynthSettings.sized(60, seed=0), tmp_path / "ds")
    recipe = tiny_recipe(
        tiny_llama, max_steps=2, eval_steps=2, max_eval_samples=4, layer_selection={"method": "last", "fraction": 0.5}
    )
    summary = build(synth.load_domain(BANKING), tmp_path / "ds", recipe, VerifierData(examples=48), tmp_path / "v")
    assert summary["examples"]["train"] > 0 and summary["train"]["steps"] == 2
    assert set(summary["trained_kinds"]).isdisjoint({"long_wrong", "generic"})
    assert json.loads((tmp_path / "v" / "verifier.json").read_text())["data"]["examples"] == 48
    lora = json.loads((tmp_path / "v" / "adapter" / "adapter_config.json").read_text())
    assert lora["layers_to_transform"] == [2, 3]  # the last half of the tiny model's 4 layers

    reader = gguf.GGUFReader(tmp_path / "v" / LORA_FILE)
    fields = {name: field for name, field in reader.fields.items()}
    text = lambda key: bytes(fields[key].parts[fields[key].data[0]]).decode()  # noqa: E731
    assert text("general.type") == "adapter" and text("adapter.type") == "lora"
    assert text("general.architecture") == "llama"
    assert float(fields["adapter.lora.alpha"].parts[fields["adapter.lora.alpha"].data[0]][0]) == lora["lora_alpha"]
    names = {t.name: t for t in reader.tensors}
    assert "blk.2.attn_q.weight.lora_a" in names and "blk.3.ffn_down.weight.lora_b" in names
    assert not any(n.startswith(("blk.0.", "blk.1.")) for n in names)
    a, b = names["blk.2.attn_q.weight.lora_a"], names["blk.2.attn_q.weight.lora_b"]
    assert list(a.shape)[1] == list(b.shape)[0] == lora["r"]  # ggml order: a is (in, r), b is (r, out)
