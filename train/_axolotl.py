"""An axolotl config as a recipe: the keys this harness understands mapped (most share axolotl's
names), every other key listed with the reason it is not used, so nothing is dropped unsaid.
A hand-written table: axolotl has no published schema to read it from, and the mapping is ours."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path

import yaml

from ._errors import TrainError
from ._recipe import Recipe

# recipe fields with no axolotl key of the same name and meaning (lora_target_modules is mapped on its own)
NOT_SAME = ("name", "description", "seed_system", "overrides", "differences", "merge", "layer_selection",
            "lora_target_modules")  # fmt: skip
SAME = tuple(f.name for f in fields(Recipe) if f.name not in NOT_SAME)  # same name and meaning in axolotl
LR_SCHEDULERS = ("cosine", "linear", "constant", "constant_with_warmup")
PROMPT_FORMATS = {"alpaca": "alpaca", "chat_template": "chat", "sharegpt": "chat", "completion": "plain"}
BNB_KWARGS = ("bnb_4bit_quant_type", "bnb_4bit_use_double_quant", "bnb_4bit_compute_dtype")
# why a known axolotl key has no recipe counterpart
REASONS = {
    "datasets": "the data comes from the domain (benchmarks/DOMAIN/), built and split by the synth stage",
    "test_datasets": "the held-out test split is the synth stage's",
    "val_set_size": "the validation split is the synth stage's",
    "dataset_prepared_path": "stages are stored under runs/ by their key",
    "output_dir": "stages are stored under runs/ by their key",
    "load_in_8bit": "8-bit loading is not supported: the base loads in 4 bits (qlora) or in torch_dtype",
    "fp16": "float16 mixed precision is not supported: bf16 or float32",
    "tf32": "TF32 matmuls are left to torch's default",
    "warmup_steps": "warmup is given as warmup_ratio only",
    "evals_per_epoch": "evaluation is every eval_steps steps",
    "saves_per_epoch": "checkpoints are the train stage's (every eval_steps, best kept)",
    "save_steps": "checkpoints are the train stage's (every eval_steps, best kept)",
    "resume_from_checkpoint": "a killed train stage resumes from its own checkpoints",
    "special_tokens": "the tokenizer is the model's own",
    "chat_template": "the model's own chat template is used",
    "flash_attention": "the attention implementation is transformers' default",
    "attn_implementation": "the attention implementation is transformers' default",
    "model_type": "the model class is read from the model's config",
    "tokenizer_type": "the tokenizer is the model's own",
    "eval_sample_packing": "evaluation batches are never packed",
    "pad_to_sequence_len": "batches are padded to their longest row",
    "lora_modules_to_save": "only LoRA weights are trained",
    "lora_model_dir": "training starts from a fresh adapter",
    "deepspeed": "several GPUs: accelerate launch / torchrun with the same recipe",
    "fsdp": "several GPUs: accelerate launch / torchrun with the same recipe",
    "fsdp_config": "several GPUs: accelerate launch / torchrun with the same recipe",
    "hub_model_id": "nothing is uploaded",
    "strict": "the recipe is validated against its own schema",
}


@dataclass
class Imported:
    recipe: dict  # recipe keys, in a readable order
    mapped: dict[str, str] = field(default_factory=dict)  # axolotl key -> recipe key
    ignored: dict[str, str] = field(default_factory=dict)  # axolotl key -> reason


NUMBERS = {f.name: f.type for f in fields(Recipe) if f.type in ("float", "int", "float | None", "int | None")}


def _typed(key: str, value):
    """YAML reads `2e-5` (no dot) as a string: a number field gets the number it spells."""
    if key in NUMBERS and isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return value  # left for the recipe's validation to name
        return int(number) if NUMBERS[key].startswith("int") and number.is_integer() else number
    return value


def convert(config: dict) -> Imported:
    """An axolotl config (parsed YAML) as recipe keys, with what was mapped and what was not."""
    if not isinstance(config, dict) or not config.get("base_model"):
        raise TrainError("an axolotl config needs base_model")
    out = Imported(recipe={})
    for key, value in config.items():
        if key == "adapter" and value is None:
            out.ignored[key] = "empty: a full fine-tune, which the harness does not do (the recipe's qlora applies)"
        elif value is None or value == "":
            out.ignored[key] = "no value in the config"
        elif key in SAME:
            out.recipe[key], out.mapped[key] = _typed(key, value), key
        elif key == "lora_target_modules":
            if config.get("lora_target_linear"):
                out.ignored[key] = "lora_target_linear is set: every linear layer (all-linear) already holds these"
            elif isinstance(value, list):
                out.recipe[key], out.mapped[key] = [str(v) for v in value], key
            elif value == "all-linear":
                out.recipe[key], out.mapped[key] = "all-linear", key
            else:
                out.ignored[key] = f"'{value}': a module pattern; a recipe names modules in a list, or all-linear"
        elif key == "lora_target_linear":
            if value:
                out.recipe["lora_target_modules"], out.mapped[key] = "all-linear", "lora_target_modules"
            else:
                out.ignored[key] = "false: the modules are lora_target_modules"
        elif key == "peft_layers_to_transform":
            layers = value if isinstance(value, list) else [value]
            out.recipe["lora_layers_to_transform"], out.mapped[key] = layers, "lora_layers_to_transform"
        elif key == "bnb_config_kwargs" and isinstance(value, dict):
            for sub, v in value.items():
                if sub in BNB_KWARGS:
                    out.recipe[sub], out.mapped[f"{key}.{sub}"] = v, sub
                else:
                    out.ignored[f"{key}.{sub}"] = "not a bitsandbytes setting a recipe has"
        elif key == "datasets":
            out.ignored[key] = REASONS[key]
            types = {d.get("type") for d in value if isinstance(d, dict)} if isinstance(value, list) else set()
            formats = {PROMPT_FORMATS.get(t) if isinstance(t, str) else None for t in types}
            if len(formats) == 1 and None not in formats:
                out.recipe["prompt_format"] = formats.pop()
                out.mapped["datasets[].type"] = "prompt_format"
        elif key in ("load_in_8bit", "fp16") and value is False:
            out.ignored[key] = "false: nothing to import"
        elif key in REASONS:
            out.ignored[key] = REASONS[key]
        elif key.startswith(("wandb_", "mlflow_", "comet_")):
            out.ignored[key] = "experiment trackers are not used: the train stage writes its own log"
        else:
            out.ignored[key] = "not a setting this harness has"
    scheduler = out.recipe.get("lr_scheduler")
    if scheduler is not None and scheduler not in LR_SCHEDULERS:
        del out.recipe["lr_scheduler"]
        del out.mapped["lr_scheduler"]
        out.ignored["lr_scheduler"] = f"'{scheduler}' is not one of {', '.join(LR_SCHEDULERS)} (cosine used)"
    if out.recipe.get("adapter") not in (None, "lora", "qlora"):
        out.ignored["adapter"] = f"'{out.recipe.pop('adapter')}' is not lora or qlora (qlora used)"
        del out.mapped["adapter"]
    return out


def render(imported: Imported, source: Path) -> str:
    """The recipe file's text: what was imported from where and what was ignored, as comments."""
    lines = [f"# Imported from the axolotl config {source.name} by `bench recipe import`."]
    if imported.ignored:
        lines.append("# Not imported (axolotl key: why):")
        lines += [f"#   {key}: {why}" for key, why in imported.ignored.items()]
    body = {"description": f"imported from the axolotl config {source.name}", **imported.recipe}
    return "\n".join(lines) + "\n" + yaml.safe_dump(body, sort_keys=False, default_flow_style=None)
