"""`bench verifier ship DOMAIN`: the domain verifier of the default run, trained once (or taken from
the store), written into the domain folder as its shipped prebuilt stage (bench/_verifier_stage.py)."""

from __future__ import annotations

import time

import typer

import synth

from .._domains import domain_dir
from .._synth_stage import run_synth_stage
from .._verifier_stage import load_verifier_recipe, run_verifier_stage, ship
from ._common import console, progress_panel

app = typer.Typer(
    help="The domain verifier (the default judge) as a prebuilt stage shipped with its domain.",
    no_args_is_help=True,
)


@app.command("ship")
def ship_command(
    domain: str = typer.Argument(..., help="Domain name under benchmarks/, or a path to a domain folder."),
) -> None:
    """Train the domain verifier of the default run (or reuse it from the store) and write it to
    DOMAIN/prebuilt/verifier-KEY/ (lora.gguf, the PEFT adapter, its training record and
    shipped.json with every file's sha256), replacing the verifier the domain shipped before.

    A run whose verifier stage is not in the store and whose key matches then copies it instead of
    training (the key covers the dataset's bytes, the verifier's data settings and recipe, the base
    model and the code that makes and trains it: any change there trains anew). The default dataset
    only (seed 0, the domain's sizes): a run with another --seed or --size trains its own.

    \b
    Examples:
      bench verifier ship banking
      git add benchmarks/banking/prebuilt
    """
    folder = domain_dir(domain)
    loaded = synth.load_domain(folder)
    began = time.perf_counter()
    dataset = run_synth_stage(folder, synth.SynthSettings.for_domain(loaded, None, seed=0))
    with progress_panel() as track:
        # never from the domain's own shipped folder: shipping is how a damaged or stale one is mended
        stage = run_verifier_stage(loaded, dataset, load_verifier_recipe(), progress=track, use_shipped=False)
    how = "reused" if stage.reused else "trained"
    target = ship(folder, stage, f"bench verifier ship {loaded.name}")
    console.print(
        f"verifier {stage.key[:12]} ({how}, {stage.path}) shipped as {target} in {time.perf_counter() - began:.0f} s"
    )
