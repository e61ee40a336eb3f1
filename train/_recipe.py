"""Training recipes: YAML with axolotl-like keys, validated, with every default spelled out."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

from synth import load_yaml, validate_schema

SCHEMA = Path(__file__).parent / "recipe_schema.json"


@dataclass(frozen=True)
class Recipe:
    base_model: str
    name: str = "custom"
    description: str = ""
    seed_system: str = ""
    prompt_format: str = "auto"
    adapter: str = "qlora"
    load_in_4bit: bool = True
    bnb_4bit_quant_type: str = "nf4"
    bnb_4bit_use_double_quant: bool = True
    bnb_4bit_compute_dtype: str = "auto"  # bf16 on a GPU that has it, else fp32 (faster than bf16 here on CPU)
    torch_dtype: str = "float32"  # the base weights' dtype when not loaded in 4 bits (adapter: lora)
    # bf16 mixed precision (axolotl's key): "auto" = on a CUDA GPU that supports it, never on a CPU,
    # where the default must give the same numbers on every CPU; true / false to choose explicitly.
    bf16: str | bool = "auto"
    # Padding-free packing (axolotl's key): each micro-batch's rows are concatenated into one row with
    # position ids restarting per row, so no row attends to another (train/_packing.py).
    sample_packing: bool = False
    lora_r: int = 8
    lora_alpha: float = 16
    lora_dropout: float = 0.05
    lora_target_modules: str | list[str] = "all-linear"
    lora_layers_to_transform: list[int] | None = None
    layer_selection: dict | None = None  # {"method": "snr", "fraction": 0.5}
    train_on_inputs: bool = False
    group_by_length: bool = True
    sequence_len: int = 512
    micro_batch_size: int = 8
    eval_batch_size: int = 16
    gradient_accumulation_steps: int = 1
    num_epochs: float = 1
    max_steps: int | None = None
    max_train_samples: int | None = None
    max_eval_samples: int | None = None
    learning_rate: float = 2e-4
    lr_scheduler: str = "cosine"
    warmup_ratio: float = 0.05
    weight_decay: float = 0.0
    max_grad_norm: float = 1.0
    optimizer: str = "adamw_torch"
    gradient_checkpointing: bool = False
    eval_steps: int = 50
    logging_steps: int = 5
    seed: int = 42
    overrides: dict = field(default_factory=dict)  # what the command line changed

    def to_dict(self) -> dict:
        return asdict(self)

    def with_overrides(self, **changes) -> Recipe:
        changes = {k: v for k, v in changes.items() if v is not None}
        if not changes:
            return self
        return replace(self, **changes, overrides={**self.overrides, **changes})


def load_recipe(path: Path) -> Recipe:
    """Parse and validate a recipe file; errors name the file, line and key."""
    doc = load_yaml(Path(path))
    validate_schema(doc, SCHEMA)
    known = {f.name for f in fields(Recipe)}
    data = {k: v for k, v in doc.data.items() if k in known}
    if data.get("lora_layers_to_transform") and data.get("layer_selection"):
        raise doc.error(["layer_selection"], "give either layer_selection or lora_layers_to_transform, not both")
    return Recipe(name=Path(path).stem, **data)
