"""A domain's shipped verifier (bench/_verifier_stage.py): `ship` writes a trained verifier stage into
the domain folder; a store without that stage installs it instead of training, only for the same key,
and refuses a shipped file whose bytes differ from its recorded sha256."""

from __future__ import annotations

import json
import shutil

import pytest

import synth
import verifier
from bench._store import MANIFEST, StoreError
from bench._synth_stage import run_synth_stage
from bench._verifier_stage import (
    SHIPPED_INFO,
    install_shipped,
    load_verifier_recipe,
    run_verifier_stage,
    ship,
    verifier_key,
    verifier_line,
)
from tests.conftest import BANKING
from tests.tiny_models import tiny_recipe
from verifier import LORA_FILE, VerifierData

SETTINGS = VerifierData(examples=48)


@pytest.fixture
def trained(banking_copy, tiny_llama, tmp_path, monkeypatch):
    monkeypatch.setenv("DOMAINBENCH_HOME", str(tmp_path / "home"))
    domain = synth.load_domain(banking_copy)
    dataset = run_synth_stage(banking_copy, synth.SynthSettings.sized(60, seed=0))
    recipe = tiny_recipe(tiny_llama, max_steps=2, eval_steps=2, max_eval_samples=4)
    stage = run_verifier_stage(domain, dataset, recipe, SETTINGS)
    return domain, dataset, recipe, stage


def test_a_shipped_verifier_is_installed_instead_of_trained(trained, tmp_path):
    domain, dataset, recipe, stage = trained
    assert not stage.reused and verifier_line(stage, domain.root) == "trained"
    shipped = ship(domain.root, stage, "bench verifier ship banking")
    assert shipped == domain.root / "prebuilt" / f"verifier-{stage.key[:12]}"
    info = json.loads((shipped / SHIPPED_INFO).read_text())
    assert info["key"] == stage.key and {LORA_FILE, "adapter/adapter_model.safetensors"} <= info["files"].keys()
    assert not (shipped / "dataset").exists() and not (shipped / "checkpoints").exists()
    assert synth.load_domain(domain.root).files_hash == domain.files_hash  # shipping re-keys nothing

    lora = (stage.path / LORA_FILE).read_bytes()
    shutil.rmtree(stage.path)  # a fresh store
    again = run_verifier_stage(domain, dataset, recipe, SETTINGS)
    name = f"banking/prebuilt/{shipped.name}"
    assert again.reused and again.shipped == name and again.key == stage.key
    assert (again.path / LORA_FILE).read_bytes() == lora
    manifest = json.loads((again.path / MANIFEST).read_text())
    assert manifest["shipped_from"] == name and manifest["summary"]["train_seconds"] > 0
    assert verifier_line(again, domain.root).startswith(f"shipped with the domain ({name}; trained once, in")
    assert run_verifier_stage(domain, dataset, recipe, SETTINGS).shipped == ""  # now simply in the store

    # another recipe is another key: trained, and the stage line says the shipped one does not fit
    other = run_verifier_stage(domain, dataset, recipe.with_overrides(learning_rate=1e-3), SETTINGS)
    assert not other.reused and other.key != stage.key
    assert f"the domain ships verifier-{stage.key[:12]}, made from other code" in verifier_line(other, domain.root)


def test_a_shipped_file_with_other_bytes_is_refused(trained):
    domain, dataset, recipe, stage = trained
    shipped = ship(domain.root, stage, "bench verifier ship banking")
    (shipped / LORA_FILE).write_bytes(b"version https://git-lfs.github.com/spec/v1\n")  # e.g. an LFS pointer
    shutil.rmtree(stage.path)
    with pytest.raises(StoreError, match=rf"{LORA_FILE}: missing or not the file shipped .*verifier ship banking"):
        run_verifier_stage(domain, dataset, recipe, SETTINGS)
    assert not stage.path.exists()  # nothing half-installed


def test_banking_ships_the_verifier_of_its_default_run(tmp_path, monkeypatch):
    """The shipped banking verifier is the one `bench run banking` would train now: same key (dataset
    bytes, data settings, recipe, base model, code), every file as recorded. Editing what the key
    covers fails here until `bench verifier ship banking` is run again (about half an hour on 2 cores)."""
    monkeypatch.setenv("DOMAINBENCH_HOME", str(tmp_path / "home"))
    domain = synth.load_domain(BANKING)
    dataset = run_synth_stage(BANKING, synth.SynthSettings.for_domain(domain, None, seed=0))
    key, _ = verifier_key(domain, dataset, load_verifier_recipe(), verifier.VerifierData())
    shipped = BANKING / "prebuilt" / f"verifier-{key[:12]}"
    assert (shipped / SHIPPED_INFO).is_file(), f"no shipped verifier of key {key[:12]}: run bench verifier ship banking"
    info = json.loads((shipped / SHIPPED_INFO).read_text())
    assert info["key"] == key and json.loads((shipped / MANIFEST).read_text())["key"] == key
    install_shipped(BANKING, key, tmp_path / "store" / shipped.name)  # checks every file's sha256
    assert (tmp_path / "store" / shipped.name / LORA_FILE).stat().st_size > 1_000_000
