"""`bench train DOMAIN`: the synthetic dataset -> a standard PEFT adapter."""

from __future__ import annotations

import json
from pathlib import Path

import typer

import synth

from .._domains import domain_dir
from .._synth_stage import run_synth_stage
from .._train_stage import recipe_path, run_train_stage
from ._common import SIZE_HELP, console, fail, interactive


def train_command(
    domain: str = typer.Argument(..., help="Domain name under benchmarks/, or a path to a domain folder."),
    recipe: str = typer.Option(
        "default",
        help="A recipe name (the domain's recipes/, else train/recipes/) or a recipe file.",
    ),
    model: str | None = typer.Option(
        None,
        help="Override the recipe's base_model: a built-in spec "
        "(smollm2-135m, gemma3-270m), a local Hugging Face folder or a hub id.",
    ),
    seed: int = typer.Option(0, help="Seed of the synthetic dataset."),
    size: int | None = typer.Option(None, min=1, help=SIZE_HELP),
    max_steps: int | None = typer.Option(None, help="Override the recipe's max_steps."),
    learning_rate: float | None = typer.Option(None, help="Override the recipe's learning_rate."),
    merge: bool = typer.Option(False, help="Also write base+adapter merged weights to merged/."),
    out: Path | None = typer.Option(None, help="Output folder. Default: $DOMAINBENCH_HOME/DOMAIN/train-KEY."),
) -> None:
    """Train a LoRA / QLoRA adapter on the domain's synthetic dataset.

    Builds (or reuses) the dataset, then trains with the recipe and writes adapter/ (load it with
    PeftModel.from_pretrained), train_log.jsonl, loss_curve.png, metrics.json and manifest.json.
    Kill it and run the same command again: it resumes from the last checkpoint. A finished
    training with the same inputs is reused.

    \b
    Examples:
      bench train banking
      bench train banking --recipe bankllama --model smollm2-135m --max-steps 10
      accelerate launch -m bench train banking --recipe llama_finance
          (several GPUs)
    """
    if learning_rate is not None and learning_rate <= 0:
        raise fail(f"--learning-rate must be positive, got {learning_rate}")
    if max_steps is not None and max_steps < 1:
        raise fail(f"--max-steps must be at least 1, got {max_steps}")
    folder = domain_dir(domain)
    import train

    spec = train.load_recipe(recipe_path(folder, recipe)).with_overrides(
        base_model=model, max_steps=max_steps, learning_rate=learning_rate
    )
    dataset = run_synth_stage(folder, synth.SynthSettings.for_domain(synth.load_domain(folder), size, seed=seed))
    console.print(f"dataset: {dataset.path} ({'reused' if dataset.reused else 'built'})")
    console.print(f"training {spec.base_model} with recipe {spec.name} ...")
    output = run_train_stage(folder.name, dataset, spec, merge=merge, out=out, progress=interactive())
    if output.result is None and not output.reused:
        return  # a rank other than 0 under torchrun / accelerate launch: rank 0 reports
    metrics = output.result or json.loads((output.path / "metrics.json").read_text())
    if output.reused:
        console.print(f"[green]reused[/] finished training {output.path}")
    console.print(
        f"validation loss: base {metrics['base_eval_loss']:.4f} -> tuned {metrics['tuned_eval_loss']:.4f} "
        f"({metrics['eval_rows']} rows)\n"
        f"steps {metrics['steps']}, {metrics['effective_tokens_per_s']} non-padding tokens/s, "
        f"padding {metrics['padding_fraction']:.1%}, training {metrics['train_seconds']} s, "
        f"peak memory {metrics['peak_rss_mb'] / 1024:.2f} GB\n"
        f"adapter: {output.path / 'adapter'}"
    )
