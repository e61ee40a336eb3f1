"""Training recipes: YAML with axolotl-like keys, validated, with every default spelled out."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

from synth import load_yaml, validate_schema

SCHEMA = Path(__file__).parent / "recipe_schema.json"
RECIPES = Path(__file__).parent / "recipes"  # the shared recipes, usable by every domain


def recipe_paths(domain_dir: Path | None = None) -> dict[str, Path]:
    """Every recipe by name: the shared ones, each replaced by the domain's own of the same name."""
    found = {p.stem: p for p in sorted(RECIPES.glob("*.yaml"))}
    if domain_dir is not None:
        found.update({p.stem: p for p in sorted((Path(domain_dir) / "recipes").glob("*.yaml"))})
    return dict(sorted(found.items()))


def find_recipe(name: str, domain_dir: Path | None = None) -> Path | None:
    return recipe_paths(domain_dir).get(name)


SEED_SETTINGS = Path(__file__).parent / "seed_settings.yaml"


def seed_settings() -> dict[str, dict]:
    """The seed systems' published settings by number: {"system", "recipe", "settings"}."""
    return {str(k): v for k, v in load_yaml(SEED_SETTINGS).data.items()}


def seed_gaps(recipe: Recipe) -> dict[str, dict]:
    """For a seed system's recipe, each published setting it does not match: {field: {"seed", "recipe",
    "declared": the reason in `differences` or None}}. Empty for other recipes."""
    number = recipe.seed_system.split(":")[0].strip()
    seed = seed_settings().get(number)
    if not seed:
        return {}
    mine = recipe.to_dict()
    return {
        name: {"seed": value, "recipe": mine[name], "declared": recipe.differences.get(name)}
        for name, value in seed["settings"].items()
        if mine[name] != value
    }


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
    # the base weights' dtype when not loaded in 4 bits (adapter: lora); "auto": bf16 on a GPU that has it,
    # else float32 (train/_precision.py)
    torch_dtype: str = "float32"
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
    # Write the base with the adapter merged into it (merged/, in the base's own dtype) and judge it as
    # a third contestant, `merged`, beside base and tuned (seed system 5's inference model).
    merge: bool = False
    # For a recipe of a seed system: each setting that deliberately differs from the seed's published one
    # (train/seed_settings.yaml), with the reason; a test holds every other published setting equal.
    differences: dict = field(default_factory=dict)
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
    for name in data.get("differences") or {}:
        if name not in known or name in ("differences", "description", "seed_system"):
            raise doc.error(["differences", name], f"'{name}' is not a recipe setting")
    if data.get("lora_layers_to_transform") and data.get("layer_selection"):
        raise doc.error(["layer_selection"], "give either layer_selection or lora_layers_to_transform, not both")
    return Recipe(name=Path(path).stem, **data)
