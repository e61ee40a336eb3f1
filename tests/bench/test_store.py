"""The run store: keyed folders, atomic writes, never clobbering what is not ours."""

from __future__ import annotations

import json

import pytest

from bench._store import StoreError, Unfinished, atomic_output, is_complete, stable_hash


def test_stable_hash_depends_on_content_not_key_order():
    assert stable_hash({"a": 1, "b": [1, 2]}) == stable_hash({"b": [1, 2], "a": 1})
    assert stable_hash({"a": 1}) != stable_hash({"a": 2})


def test_success_writes_manifest_and_renames(tmp_path):
    final = tmp_path / "out"
    with atomic_output(final, "synth", "k1", {"x": 1}) as tmp:
        (tmp / "data.txt").write_text("hello")
        assert not final.exists()
    assert (final / "data.txt").read_text() == "hello"
    manifest = json.loads((final / "manifest.json").read_text())
    assert manifest["key"] == "k1" and manifest["stage"] == "synth"
    assert "versions" in manifest and "hardware" in manifest and "git" in manifest
    assert is_complete(final, "k1") and not is_complete(final, "k2")


def test_failure_leaves_nothing_that_looks_finished(tmp_path):
    final = tmp_path / "out"
    with pytest.raises(RuntimeError):
        with atomic_output(final, "synth", "k1", {}) as tmp:
            (tmp / "half.txt").write_text("half")
            raise RuntimeError("killed")
    assert not final.exists()
    assert list(tmp_path.iterdir()) == []


def test_failure_keeps_the_previous_finished_output(tmp_path):
    final = tmp_path / "out"
    with atomic_output(final, "synth", "k1", {}) as tmp:
        (tmp / "v.txt").write_text("1")
    with pytest.raises(RuntimeError):
        with atomic_output(final, "synth", "k2", {}) as tmp:
            raise RuntimeError("killed")
    assert (final / "v.txt").read_text() == "1" and is_complete(final, "k1")


def test_refuses_to_replace_a_folder_it_did_not_write(tmp_path):
    final = tmp_path / "mine"
    final.mkdir()
    (final / "thesis.tex").write_text("precious")
    with pytest.raises(StoreError, match="not a synth output"):
        with atomic_output(final, "synth", "k", {}):
            pass
    assert (final / "thesis.tex").read_text() == "precious"


def test_a_partial_folder_is_resumed_only_by_its_own_stage_key(tmp_path):
    """With --out the final name is the same for any settings: a killed stage's work must not be
    picked up by a stage with another key (another recipe's checkpoints, another judge's verdicts)."""
    final = tmp_path / "out"

    def killed(key: str) -> None:
        with pytest.raises(RuntimeError):
            with atomic_output(final, "train", key, {}, resumable=True) as work:
                (work / "checkpoints").mkdir(exist_ok=True)
                (work / "checkpoints" / f"{key}.bin").write_text(key)
                raise RuntimeError("killed")

    killed("k1" * 16)
    [k1_partial] = list(tmp_path.glob(".out.*.partial"))
    with atomic_output(final, "train", "k2" * 16, {}, resumable=True) as work:
        assert work != k1_partial and not (work / "checkpoints").exists()  # k1's work is not visible
        (work / "v.txt").write_text("2")
    assert sorted(p.name for p in final.iterdir()) == ["manifest.json", "v.txt"] and is_complete(final, "k2" * 16)
    assert (k1_partial / "checkpoints" / f"{'k1' * 16}.bin").is_file()  # left for k1's own rerun
    with atomic_output(final, "train", "k1" * 16, {}, resumable=True) as work:
        assert work == k1_partial and [p.name for p in (work / "checkpoints").iterdir()] == [f"{'k1' * 16}.bin"]
    assert is_complete(final, "k1" * 16) and not k1_partial.exists()


def test_an_unfinished_resumable_stage_keeps_its_folder_and_goes_on(tmp_path):
    final = tmp_path / "out"
    with atomic_output(final, "judge", "k" * 32, {}, resumable=True, resume_marker="j.jsonl") as work:
        (work / "j.jsonl").write_text("one judgment\n")
        raise Unfinished  # an endpoint failed on some requests: not an error of the run
    assert not final.exists() and not is_complete(final, "k" * 32)
    assert (work / "j.jsonl").read_text() == "one judgment\n" and not (work / "manifest.json").exists()
    with atomic_output(final, "judge", "k" * 32, {}, resumable=True, resume_marker="j.jsonl") as again:
        assert again == work and (again / "j.jsonl").is_file()  # the next run resumes it
    assert is_complete(final, "k" * 32)
    with pytest.raises(Unfinished):  # only a resumable stage can be left unfinished
        with atomic_output(tmp_path / "other", "synth", "s" * 32, {}):
            raise Unfinished
    assert not list(tmp_path.glob(".other*"))
