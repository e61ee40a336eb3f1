"""Domains made from existing data (domain.yaml `source:`): a local file or a cached hub dataset,
columns mapped, the filter chain with the domain's settings (every drop counted), per-split caps,
seeded or source splits, test decontaminated; bad mappings and uncached hub data are one-line errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import synth
from tests.conftest import REPO, run_bench

FINANCE = REPO / "benchmarks" / "finance_instruct"
EVIDENCE = REPO / "benchmarks" / "evidence_qa"


def drops(result) -> dict[str, int]:
    return {f["filter"].split(" ")[0]: f["dropped"] for reports in result.filters.values() for f in reports}


def test_every_filter_drops_what_the_sample_was_made_to_lose():
    domain = synth.load_domain(FINANCE)
    result = synth.build_from_source(domain, domain.source, seed=0)
    got = drops(result)
    assert got["empty"] == 3 and got["english"] == 4 and got["length"] == 3  # the rows made to be dropped
    assert got["exact-duplicate"] > 5 and got["near-duplicate"] > 0 and got["decontamination"] > 0
    assert result.source_counts == {"train": 615}
    kept = sum(len(v) for v in result.splits.values())
    assert kept == 615 - sum(got.values())
    seen = {r["query"].lower() for s in ("train", "validation") for r in result.splits[s]}
    assert not [r for r in result.splits["test"] if r["query"].lower() in seen]  # no test query in train
    again = synth.build_from_source(domain, domain.source, seed=0)
    assert again.splits == result.splits  # the same inputs, the same rows
    other = synth.build_from_source(domain, domain.source, seed=1)
    assert other.splits["test"] != result.splits["test"]


def test_caps_and_the_evidence_column(tmp_path):
    folder = tmp_path / "evidence_qa"
    shutil.copytree(EVIDENCE, folder)
    text = (folder / "domain.yaml").read_text().replace("caps: {test: 200}", "caps: {train: 50, test: 10}")
    (folder / "domain.yaml").write_text(text)
    domain = synth.load_domain(folder)
    result = synth.build_from_source(domain, domain.source, seed=0)
    assert len(result.splits["train"]) == 50 and len(result.splits["test"]) == 10
    assert drops(result)["cap"] > 0
    out = tmp_path / "out"
    out.mkdir()
    synth.save_source(result, out)
    row = json.loads((out / "jsonl" / "test.jsonl").read_text().splitlines()[0])
    assert row["task"] == "grounded_qa" and row["evidence"] and row["evidence"] in row["messages"][1]["content"]
    assert row["facts"] == [] and row["intent"] == row["id"]  # no category column: each item its own cluster
    card = (out / "data_card.md").read_text()
    assert "cap (train: at most 50" in card and "no policy sheet" in card


def test_a_source_domain_cannot_declare_template_sizes(tmp_path):
    folder = tmp_path / "evidence_qa"
    shutil.copytree(EVIDENCE, folder)
    text = (folder / "domain.yaml").read_text()
    (folder / "domain.yaml").write_text(text + "sizes: {train: 50, validation: 5, test: 10}\n")
    with pytest.raises(synth.DomainError) as info:
        synth.load_domain(folder)
    assert info.value.file.name == "domain.yaml" and "source.caps" in str(info.value)


def test_a_source_row_keeps_its_own_system_prompt(tmp_path):
    domain = synth.load_domain(FINANCE)
    result = synth.build_from_source(domain, domain.source, seed=0)
    out = tmp_path / "out"
    out.mkdir()
    synth.save_source(result, out)
    rows = [json.loads(line) for line in (out / "jsonl" / "train.jsonl").read_text().splitlines()]
    systems = {r["messages"][0]["content"] for r in rows}
    assert domain.system_prompt in systems  # rows without one get the domain's
    assert "You are a careful financial educator. Explain clearly and show the arithmetic." in systems


def test_another_file_of_the_same_columns_with_source(tmp_path):
    lines = (FINANCE / "sample" / "finance_instruct.jsonl").read_text().splitlines()
    other = tmp_path / "more.jsonl"
    other.write_text("\n".join(lines[:200]) + "\n")
    env = {"DOMAINBENCH_HOME": str(tmp_path / "home")}
    res = run_bench("synth", "finance_instruct", "--source", str(other), cwd=REPO, env=env)
    assert res.returncode == 0, res.stderr
    [folder] = list((tmp_path / "home" / "finance_instruct").glob("synth-*"))
    report = json.loads((folder / "synth_report.json").read_text())
    assert report["source"]["file"] == "more.jsonl" and report["source_counts"] == {"train": 200}
    default = run_bench("synth", "finance_instruct", cwd=REPO, env=env)
    assert default.returncode == 0 and len(list((tmp_path / "home" / "finance_instruct").glob("synth-*"))) == 2


@pytest.mark.parametrize(
    "change, message",
    [
        ("question: user", "source.columns.question names the column 'prompt', which the source does not have"),
        ("path: sample/finance_instruct.jsonl", "the source file"),
    ],
)
def test_bad_sources_are_one_line_errors(tmp_path, change, message):
    folder = tmp_path / "benchmarks" / "finance_instruct"
    shutil.copytree(FINANCE, folder)
    replacement = {"question: user": "question: prompt", "path: sample/finance_instruct.jsonl": "path: nope.jsonl"}
    text = (folder / "domain.yaml").read_text().replace(change, replacement[change])
    (folder / "domain.yaml").write_text(text)
    res = run_bench("synth", str(folder), cwd=REPO, env={"DOMAINBENCH_HOME": str(tmp_path / "home")})
    assert res.returncode == 2 and message in res.stderr and len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert not list((tmp_path / "home").rglob("synth-*"))


def _hub_cache(root: Path, repo: str, files: dict[str, str]) -> str:
    """A hub dataset in huggingface_hub's cache layout, as a download leaves it."""
    commit = "0" * 39 + "1"
    base = root / f"datasets--{repo.replace('/', '--')}"
    (base / "refs").mkdir(parents=True)
    (base / "refs" / "main").write_text(commit)
    for name, text in files.items():
        path = base / "snapshots" / commit / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return commit


def test_a_cached_hub_dataset_with_its_own_splits_and_an_uncached_one(tmp_path):
    lines = (FINANCE / "sample" / "finance_instruct.jsonl").read_text().splitlines()
    cache = tmp_path / "hub"
    _hub_cache(cache, "someone/fin", {"data/train.jsonl": "\n".join(lines[:400]) + "\n",
                                      "data/test.jsonl": "\n".join(lines[400:600]) + "\n"})  # fmt: skip
    folder = tmp_path / "benchmarks" / "finance_instruct"
    shutil.copytree(FINANCE, folder)
    text = (
        (folder / "domain.yaml")
        .read_text()
        .replace(
            "  path: sample/finance_instruct.jsonl\n", "  hub: someone/fin\n  splits: {train: train, test: test}\n"
        )
    )
    (folder / "domain.yaml").write_text(text)
    env = {"DOMAINBENCH_HOME": str(tmp_path / "home"), "HF_HUB_CACHE": str(cache), "HF_HUB_OFFLINE": "1"}
    res = run_bench("synth", str(folder), cwd=REPO, env=env)
    assert res.returncode == 0, res.stderr
    [out] = list((tmp_path / "home" / "finance_instruct").glob("synth-*"))
    report = json.loads((out / "synth_report.json").read_text())
    assert report["source"]["hub"] == "someone/fin" and report["source_counts"] == {"train": 400, "test": 200}
    assert set(report["filters"]) == {"train+validation", "test"}
    missing = run_bench("synth", str(folder), "--source", "someone/other@v1", cwd=REPO, env=env)
    assert missing.returncode == 2 and len(missing.stderr.strip().splitlines()) == 1
    assert "someone/other@v1 is not cached here" in missing.stderr
    assert "huggingface-cli download --repo-type dataset someone/other --revision v1" in missing.stderr


def test_probes_and_commands_that_need_templates_on_a_source_domain(tmp_path):
    from judge._calibration import make_probes
    from judge._probes import HELD_OUT
    from synth._export import with_formats
    from synth._source import harness_row

    domain = synth.load_domain(EVIDENCE)
    result = synth.build_from_source(domain, domain.source, seed=0)
    test = [with_formats(domain, harness_row(domain, r)) for r in result.splits["test"]]
    kinds = {k for probe in make_probes(domain, test, 20, 0) for k in probe["answers"]}
    assert set(HELD_OUT) <= kinds and "reworded" in kinds  # every held-out kind is measured; a good answer exists
    assert "reworded" not in {k for p in make_probes(synth.load_domain(REPO / "benchmarks" / "banking"), [], 0, 0)
                              for k in p["answers"]}  # fmt: skip
    csv = tmp_path / "real.csv"
    csv.write_text("text,category\nwhat is my revenue,x\n")
    for args in (["data", "coverage", "evidence_qa", "--real", str(csv)],
                 ["run", "evidence_qa", "--real-queries", str(csv)], ["run", "evidence_qa", "--rag"]):  # fmt: skip
        res = run_bench(*args, cwd=REPO, env={"DOMAINBENCH_HOME": str(tmp_path / "home")})
        assert res.returncode == 2 and len(res.stderr.strip().splitlines()) == 1, (args, res.stderr)
