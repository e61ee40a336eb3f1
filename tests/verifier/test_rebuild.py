"""The shipped banking verifier can be remade: trained anew from the same code and data (ignoring the
shipped one), it calibrates alike on the default run's probes, both served as a run serves them.

About 35 minutes on 2 CPU cores (the training, then 1,200 calibration questions to each), so it is
skipped, with that reason, unless the -m expression names it (tests/conftest.py). Run it after
`bench verifier ship banking` with:

    pytest -m rebuild tests/verifier/test_rebuild.py
"""

from __future__ import annotations

import pytest

import synth
from bench._synth_stage import run_synth_stage
from bench._verifier_stage import install_shipped, load_verifier_recipe, run_verifier_stage
from judge._calibration import calibrate, calibration_requests, make_probes
from judge._client import run_judgments
from judge._run import JudgeSettings
from judge._server import local_judge_server
from synth import read_jsonl
from tests.conftest import BANKING
from train._sources import gguf_path
from verifier import LORA_FILE


def _calibration(folder, probes, gguf, out) -> dict:
    with local_judge_server(gguf, lora=folder / LORA_FILE, name=folder.name) as endpoint:
        records = run_judgments(calibration_requests(probes, "rubric"), endpoint, out)
    return calibrate(probes, {r["id"]: r for r in records}, "rubric")


@pytest.mark.rebuild
def test_a_rebuilt_banking_verifier_calibrates_like_the_shipped_one(tmp_path, monkeypatch):
    monkeypatch.setenv("DOMAINBENCH_HOME", str(tmp_path / "home"))
    domain = synth.load_domain(BANKING)
    dataset = run_synth_stage(BANKING, synth.SynthSettings.for_domain(domain, None, seed=0))
    recipe = load_verifier_recipe()
    rebuilt = run_verifier_stage(domain, dataset, recipe, use_shipped=False)
    assert not rebuilt.reused
    shipped = tmp_path / "shipped" / rebuilt.path.name
    assert install_shipped(BANKING, rebuilt.key, shipped), "no shipped verifier of the key the code makes now"

    settings = JudgeSettings()
    probes = make_probes(domain, read_jsonl(dataset.path / "jsonl" / "test.jsonl"), settings.calibration_probes, 0)
    gguf = gguf_path(recipe.base_model)
    ours = _calibration(rebuilt.path, probes, gguf, tmp_path / "rebuilt.jsonl")
    theirs = _calibration(shipped, probes, gguf, tmp_path / "shipped.jsonl")
    print(f"calibration accuracy: rebuilt {ours['accuracy']:.4f}, shipped {theirs['accuracy']:.4f}")
    # within noise: each overall accuracy inside the other's 95% CI (probe rows resampled)
    for a, b in ((ours, theirs), (theirs, ours)):
        low, high = b["by_kind"]["overall"]["ci95"]
        assert low <= a["accuracy"] <= high, (ours["by_kind"]["overall"], theirs["by_kind"]["overall"])
    assert ours["unscored_rate"] == theirs["unscored_rate"] == 0.0
