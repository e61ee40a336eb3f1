"""`bench recipe ...`: the training recipes (list them; import an axolotl config as one)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import typer
import yaml
from rich.table import Table
from rich.text import Text

import train
from synth import DomainError
from train._axolotl import convert, render

from .._domains import domain_dir
from ._common import console, fail

app = typer.Typer(help="List the training recipes, or import an axolotl config as one.", no_args_is_help=True)


def _value(v) -> str:
    return yaml.safe_dump(v, default_flow_style=True, width=10**6).strip().removesuffix("...").strip()


@app.command("list")
def list_recipes(
    domain: str | None = typer.Option(None, help="Also the recipes of this domain (its own replace shared ones)."),
    settings: bool = typer.Option(False, "--settings", help="Every setting of each recipe, not only the main ones."),
) -> None:
    """The recipes: each with its seed system, main settings and declared differences from the seed.

    Shared recipes are in train/recipes/ and usable by every domain; a domain's own recipes/ folder
    may add recipes or replace a shared one of the same name. A seed system's recipe is compared
    with the seed's published settings (train/seed_settings.yaml): a difference it does not declare
    is shown as UNDECLARED.

    Example: bench recipe list --domain banking
    """
    folder = domain_dir(domain) if domain else None
    table = Table(title="Training recipes", show_lines=True)
    for col in ("recipe", "seed system", "settings", "differences from the seed"):
        table.add_column(col, overflow="fold")
    main = ("base_model", "adapter", "load_in_4bit", "torch_dtype", "lora_r", "lora_alpha", "lora_target_modules",
            "layer_selection", "learning_rate", "num_epochs", "max_steps", "optimizer", "merge")  # fmt: skip
    for name, path in train.recipe_paths(folder).items():
        try:
            recipe = train.load_recipe(path)
        except DomainError as exc:
            table.add_row(Text(name), "", Text(f"invalid: {exc}"), "")
            continue
        values = recipe.to_dict()
        shown = [k for k in values if k not in ("name", "description", "seed_system", "overrides", "differences")]
        if not settings:
            quantized = recipe.adapter == "qlora" and recipe.load_in_4bit
            shown = [k for k in main if values[k] not in (None, False) or k == "load_in_4bit"]
            shown = [k for k in shown if not (k == "torch_dtype" and quantized)]  # a 4-bit base has no torch_dtype
        gaps = train.seed_gaps(recipe)
        diffs = [
            f"{k}: seed {_value(g['seed'])}, here {_value(g['recipe'])} ({g['declared'] or 'UNDECLARED'})"
            for k, g in gaps.items()
        ]
        where = "" if path.parent == train.RECIPES else f"\n({path.parent})"
        cells = (
            name + where,
            recipe.seed_system or "-",
            "\n".join(f"{k}: {_value(values[k])}" for k in shown),
            "\n".join(diffs) or ("none" if recipe.seed_system else "-"),
        )
        table.add_row(*(Text(c) for c in cells))  # as written: "[q, v]" is not markup
    console.print(table)


@app.command("import")
def import_axolotl(
    config: Path = typer.Argument(..., help="An axolotl config (YAML)."),
    out: Path | None = typer.Option(None, help="Where to write the recipe (default: ./CONFIG_NAME.yaml)."),
    force: bool = typer.Option(False, "--force", help="Replace an existing file at --out."),
) -> None:
    """Turn an axolotl config into a recipe: the keys the harness understands are mapped (most keep
    axolotl's names), every other key is listed with the reason it is not used, in the terminal and
    as comments at the top of the recipe. The recipe is validated before it is written.

    Example: bench recipe import qlora.yml --out mine.yaml
    """
    if not config.is_file():
        raise fail(f"{config}: file not found")
    try:
        parsed = yaml.safe_load(config.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise fail(f"{config}: malformed YAML: {getattr(exc, 'problem', None) or exc}") from None
    try:
        imported = convert(parsed)
    except train.TrainError as exc:
        raise fail(f"{config}: {exc}") from None
    target = out or Path(config.stem + ".yaml")
    if target.exists() and not force:
        raise fail(f"{target} exists (--force replaces it)")
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=".yaml", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(render(imported, config))
        try:  # written as a recipe only if it is one
            train.load_recipe(Path(tmp))
        except DomainError as exc:
            raise fail(f"{config}: the imported recipe is not valid: {exc.field or 'recipe'}: {exc.message}") from None
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)
    table = Table(title=f"{config} -> {target}")
    for col in ("axolotl key", "recipe key / why not imported"):
        table.add_column(col, overflow="fold")
    for key, mapped in imported.mapped.items():
        table.add_row(Text(key), Text(mapped))
    for key, why in imported.ignored.items():
        table.add_row(Text(key), Text(f"not imported: {why}"))
    console.print(table)
    console.print(
        f"recipe written: {target} ({len(imported.mapped)} keys mapped, {len(imported.ignored)} not imported)"
    )
