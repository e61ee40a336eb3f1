"""Model preparation: load the base (4-bit NF4 for QLoRA), check the LoRA targets exist, and
wrap it with a PEFT LoRA adapter on the chosen modules and layers."""

from __future__ import annotations

import torch
from torch import nn

from ._errors import TrainError
from ._placement import this_device
from ._precision import compute_dtype, load_dtype
from ._recipe import Recipe
from ._sources import ModelSource


def device() -> str:
    """This process's device: under torchrun / accelerate launch, its own GPU (train/_placement.py)."""
    return this_device()


def load_tokenizer(source: ModelSource):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(source.path, trust_remote_code=False)
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    return tok


def load_base(source: ModelSource, recipe: Recipe | None = None, quantize: bool = False, dtype: str | None = None):
    """The base model on this process's device; 4-bit NF4 when `quantize`. `dtype`: the weights'
    dtype by name (answering); else the recipe's `torch_dtype`; else float32."""
    from transformers import AutoModelForCausalLM, AutoModelForSeq2SeqLM, BitsAndBytesConfig

    cls = AutoModelForSeq2SeqLM if source.model_type == "seq2seq" else AutoModelForCausalLM
    if dtype is not None:
        dtype = load_dtype(dtype)
    else:
        dtype = torch.float32 if quantize or recipe is None else load_dtype(recipe.torch_dtype)
    kwargs = {"dtype": dtype, "trust_remote_code": False, "use_safetensors": True}
    if quantize:
        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True,
            bnb_4bit_quant_type=recipe.bnb_4bit_quant_type,
            bnb_4bit_use_double_quant=recipe.bnb_4bit_use_double_quant,
            bnb_4bit_compute_dtype=compute_dtype(recipe),
        )
        kwargs["device_map"] = {"": device()}
    model = cls.from_pretrained(source.path, **kwargs)
    if quantize:
        keep_4bit_layers_differentiable(model)
    return model if quantize else model.to(device())


def keep_4bit_layers_differentiable(model: nn.Module) -> None:
    """On CPUs with AVX512-BF16, bitsandbytes repacks a 4-bit layer for inference the first time it
    runs without gradients (an evaluation), and from then on uses a kernel with no backward: the
    gradient through every frozen layer is silently dropped. Switch that repacking off."""
    import bitsandbytes as bnb

    for module in model.modules():
        if isinstance(module, bnb.nn.Linear4bit):
            module.support_avx512bf16_for_cpu = False


def linear_module_names(model: nn.Module) -> list[str]:
    """Leaf names of the linear layers LoRA can target (the output head excluded)."""
    import bitsandbytes as bnb

    kinds = (nn.Linear, bnb.nn.Linear4bit, bnb.nn.Linear8bitLt)
    names = {n.rsplit(".", 1)[-1] for n, m in model.named_modules() if isinstance(m, kinds)}
    return sorted(names - {"lm_head", "score", "classifier"})


def resolve_targets(model: nn.Module, recipe: Recipe, spec: str) -> list[str]:
    available = linear_module_names(model)
    if recipe.lora_target_modules == "all-linear":
        return available
    missing = [t for t in recipe.lora_target_modules if t not in available]
    if missing:
        raise TrainError(
            f"lora_target_modules: '{missing[0]}' is not a linear module of {spec} (it has: {', '.join(available)})"
        )
    return list(recipe.lora_target_modules)


def prepare(source: ModelSource, recipe: Recipe, layers: list[int] | None):
    """(peft model, target module names) ready to train."""
    from peft import LoraConfig, TaskType, get_peft_model, prepare_model_for_kbit_training

    quantize = recipe.adapter == "qlora" and recipe.load_in_4bit
    model = load_base(source, recipe, quantize=quantize)
    targets = resolve_targets(model, recipe, source.spec)
    if quantize:
        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=recipe.gradient_checkpointing)
    elif recipe.gradient_checkpointing:
        model.gradient_checkpointing_enable()
        model.enable_input_require_grads()
    n_layers = getattr(model.config, "num_hidden_layers", None) or getattr(model.config, "num_layers", None)
    if layers and n_layers and max(layers) >= n_layers:
        raise TrainError(f"lora_layers_to_transform: layer {max(layers)} does not exist ({n_layers} layers)")
    config = LoraConfig(
        r=recipe.lora_r,
        lora_alpha=recipe.lora_alpha,
        lora_dropout=recipe.lora_dropout,
        target_modules=targets,
        layers_to_transform=layers,
        bias="none",
        task_type=TaskType.SEQ_2_SEQ_LM if source.model_type == "seq2seq" else TaskType.CAUSAL_LM,
    )
    return get_peft_model(model, config), targets
