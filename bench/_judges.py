"""Which judge `--judge` names, and how it is made ready once the dataset exists:

  local           the domain verifier (trained from the dataset's train split by the verifier
                  stage, first run only, or installed from the one the domain ships), served by
                  llama.cpp on 127.0.0.1 as base GGUF + LoRA GGUF
  smollm2-135m    (any built-in model with a GGUF) the same server with the untrained model
  openai:MODEL[@BASE_URL]  any OpenAI-compatible endpoint (OpenAI, vLLM, Ollama, llama.cpp)

Every judge answers the same protocol (rubric by default, `--judge-protocol rating` for 1-10)."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path

from judge._client import JudgeEndpoint

from ._synth_stage import StageOutput

LOCAL = "local"


@dataclass
class JudgeChoice:
    spec: str  # the --judge value
    endpoint: JudgeEndpoint | None = None  # an endpoint judge
    verifier_recipe: Path | None = None
    verifier_model: str | None = None
    stage: StageOutput | None = field(default=None, repr=False)  # the verifier stage, once resolved

    @property
    def local(self) -> bool:
        return self.endpoint is None

    def resolve(self, domain, dataset: StageOutput, progress=False):
        """(context-manager factory yielding a JudgeEndpoint, identity recorded in keys and results).
        For the verifier this trains it first if its stage is not in the store."""
        from judge._server import local_judge_server
        from train._sources import gguf_path

        if self.endpoint is not None:
            endpoint = self.endpoint
            return (lambda: contextlib.nullcontext(endpoint)), endpoint.describe()
        if self.spec != LOCAL:
            gguf = gguf_path(self.spec)
            identity = {"kind": "local llama.cpp server, untrained model", "model": gguf.name}
            return (lambda: local_judge_server(gguf)), identity
        import verifier

        from ._verifier_stage import load_verifier_recipe, run_verifier_stage

        recipe = load_verifier_recipe(self.verifier_recipe, self.verifier_model)
        gguf = gguf_path(recipe.base_model)  # before training: the server needs the base model's GGUF
        self.stage = run_verifier_stage(domain, dataset, recipe, progress=progress)
        name = f"{domain.name}-verifier-{self.stage.key[:8]}"
        lora = self.stage.path / verifier.LORA_FILE
        identity = {
            "kind": "domain verifier (llama.cpp server, base GGUF + LoRA GGUF)",
            "model": name,
            "base_gguf": gguf.name,
            "verifier_key": self.stage.key,
            "verifier_recipe": recipe.name,
        }
        return (lambda: local_judge_server(gguf, lora=lora, name=name)), identity


def choose_judge(
    judge: str,
    base_url: str | None,
    structured: bool,
    verifier_recipe: Path | None = None,
    verifier_model: str | None = None,
) -> JudgeChoice:
    """The judge `--judge` names; ValueError with a one-line message for a bad value."""
    from answers import parse_contestant
    from train import registry

    if judge == LOCAL:
        return JudgeChoice(judge, verifier_recipe=verifier_recipe, verifier_model=verifier_model)
    if judge in registry():
        return JudgeChoice(judge)
    try:
        spec = parse_contestant(judge)  # the same openai:MODEL[@BASE_URL] form as a contestant
    except ValueError:
        raise ValueError(
            f"--judge must be 'local' (the domain verifier), a built-in model ({', '.join(sorted(registry()))}), "
            f"'openai:MODEL' or 'openai:MODEL@BASE_URL', got '{judge}'"
        ) from None
    return JudgeChoice(
        judge, JudgeEndpoint(model=spec.model, base_url=base_url or spec.base_url, structured=structured)
    )
