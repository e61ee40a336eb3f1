"""The synth stage's two identities: its folder key (everything that made the folder, data card
included) and its content (the dataset's bytes), which the stages after it key on."""

from __future__ import annotations

import synth
import train
import verifier
from bench._synth_stage import run_synth_stage
from bench._train_stage import train_material
from bench._verifier_stage import verifier_material


def _materials(domain_dir, out):
    domain = synth.load_domain(domain_dir)
    recipe = train.load_recipe(verifier.DEFAULT_RECIPE)
    return (
        train_material(out.content, recipe, "model", merge=False),
        verifier_material(domain.files_hash, out.content, recipe, verifier.VerifierData(), "model"),
    )


def test_later_stages_key_on_the_datasets_bytes_not_the_synth_folder(small_domain, tmp_path, monkeypatch):
    monkeypatch.setenv("DOMAINBENCH_HOME", str(tmp_path / "home"))
    settings = synth.SynthSettings.sized(30, seed=0)
    plain = run_synth_stage(small_domain, settings)
    real = tmp_path / "real.csv"
    real.write_text("text,category\nwhen are you open on sundays,hours\nwhere is the nearest branch,branches\n")
    # the real queries change the data card (coverage), so the folder, but not one row of the data
    with_card = run_synth_stage(small_domain, settings, real=real)
    assert with_card.key != plain.key and with_card.path != plain.path
    assert with_card.content == plain.content and len(plain.content) == 64
    assert _materials(small_domain, with_card) == _materials(small_domain, plain)
    again = run_synth_stage(small_domain, settings)
    assert again.reused and again.content == plain.content

    other_seed = run_synth_stage(small_domain, synth.SynthSettings.sized(30, seed=1))
    assert other_seed.content != plain.content
    assert _materials(small_domain, other_seed)[0] != _materials(small_domain, plain)[0]
