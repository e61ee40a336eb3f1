"""The real `bench` command in a subprocess: output files, determinism, reuse and exit codes."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from tests.conftest import BANKING77, REPO, run_bench


def tree_hashes(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_synth_writes_dataset_card_and_is_byte_deterministic(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    for out, seed in ((a, "0"), (b, "0"), (c, "1")):
        res = run_bench("synth", "banking", "--seed", seed, "--size", "300", "--out", str(out), cwd=REPO)
        assert res.returncode == 0, res.stderr
    ha, hb, hc = tree_hashes(a), tree_hashes(b), tree_hashes(c)
    assert ha == hb
    assert ha["jsonl/train.jsonl"] != hc["jsonl/train.jsonl"]
    for name in (
        "dataset/dataset_dict.json",
        "jsonl/test.jsonl",
        "data_card.md",
        "synth_report.json",
        "manifest.json",
    ):
        assert name in ha
    from datasets import load_from_disk

    dd = load_from_disk(str(a / "dataset"))
    assert {k: len(v) for k, v in dd.items()} == {"train": 300, "validation": 30, "test": 60}
    row = dd["train"][0]
    assert [m["role"] for m in row["messages"]] == ["system", "user", "assistant"]
    assert row["instruction"] == row["query"] and row["output"] == row["response"]
    card = (a / "data_card.md").read_text()
    for heading in (
        "## Splits",
        "## Filters",
        "## Decontamination",
        "## Categories",
        "## Language variation",
        "## Lengths",
        "## Intents",
    ):
        assert heading in card


def test_synth_reuses_a_finished_output(tmp_path):
    out = tmp_path / "ds"
    assert run_bench("synth", "banking", "--size", "100", "--out", str(out), cwd=REPO).returncode == 0
    before = (out / "manifest.json").stat().st_mtime_ns
    res = run_bench("synth", "banking", "--size", "100", "--out", str(out), cwd=REPO)
    assert res.returncode == 0 and "reused" in res.stdout
    assert (out / "manifest.json").stat().st_mtime_ns == before


def test_default_output_is_keyed_under_domainbench_home(tmp_path):
    res = run_bench("synth", "banking", "--size", "50", cwd=REPO, env={"DOMAINBENCH_HOME": str(tmp_path)})
    assert res.returncode == 0, res.stderr
    [folder] = list((tmp_path / "banking").iterdir())
    assert folder.name.startswith("synth-")
    assert json.loads((folder / "manifest.json").read_text())["key"].startswith(folder.name[len("synth-") :])


def test_bad_input_exits_2_with_one_line_and_writes_nothing(tmp_path, small_domain):
    path = small_domain / "intents" / "general.yaml"
    path.write_text(path.read_text().replace("I called {when}", "I called {weekday}"))
    out = tmp_path / "never"
    res = run_bench("synth", "toy", "--out", str(out), cwd=tmp_path)
    assert res.returncode == 2
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "general.yaml:9" in lines[0] and "{weekday}" in lines[0]
    assert not out.exists() and not any(p.name.startswith(".") for p in tmp_path.iterdir())


def test_unknown_domain_and_bad_options_exit_2(tmp_path):
    res = run_bench("validate", "nope", cwd=REPO)
    assert res.returncode == 2 and "unknown domain 'nope'" in res.stderr and "banking" in res.stderr
    res = run_bench("synth", "banking", "--size", "0", cwd=REPO)
    assert res.returncode == 2 and "--size" in res.stderr
    res = run_bench("synth", "banking", "--seed", "abc", cwd=REPO)
    assert res.returncode == 2
    for command in ("run", "train", "judge", "score"):  # --size 0 is refused before any work
        res = run_bench(command, "banking", *(["x.jsonl"] if command == "score" else []), "--size", "0", cwd=REPO)
        assert res.returncode == 2 and "--size" in res.stderr, (command, res.stderr)


def test_validate_and_list(small_domain):
    res = run_bench("validate", "banking", cwd=REPO)
    from synth import load_domain

    n = len(load_domain(REPO / "benchmarks" / "banking").intents)
    assert res.returncode == 0 and "valid" in res.stdout and f"{n} intents" in res.stdout
    res = run_bench("list", cwd=small_domain.parent.parent)
    assert res.returncode == 0 and "toy" in res.stdout
    (small_domain / "policy.yaml").write_text("bank: [unclosed\n")
    res = run_bench("validate", "toy", cwd=small_domain.parent.parent)
    assert res.returncode == 2 and "policy.yaml" in res.stderr and "malformed YAML" in res.stderr


def test_new_scaffolds_a_domain_that_validates_and_synthesizes(tmp_path):
    res = run_bench("new", "insurance", "--root", str(tmp_path))
    assert res.returncode == 0, res.stderr
    res = run_bench("validate", str(tmp_path / "insurance"))
    assert res.returncode == 0, res.stderr
    res = run_bench("synth", str(tmp_path / "insurance"), "--size", "20", "--out", str(tmp_path / "ds"))
    assert res.returncode == 0, res.stderr
    res = run_bench("new", "insurance", "--root", str(tmp_path))
    assert res.returncode == 2 and "already exists" in res.stderr
    assert run_bench("new", "Bad Name", "--root", str(tmp_path)).returncode == 2


def test_every_command_has_help_that_reads_well_at_80_columns(tmp_path):
    """Click's own formatter (no rich boxes): text rewrapped to the terminal, long option names on a
    line of their own, example blocks kept line by line, nothing cut short with an ellipsis. The
    real command's help at 80 columns is what Click's test runner prints at Click's width for it (78),
    so the commands are read in-process (a subprocess each took about 4 s of imports)."""
    from typer.testing import CliRunner

    from bench.cli import app

    def help_text(*args: str):
        return CliRunner().invoke(app, list(args), prog_name="python -m bench", terminal_width=78)

    real = run_bench("run", "--help", cwd=REPO, env={"COLUMNS": "80"})
    assert real.returncode == 0 and real.stdout == help_text("run", "--help").output
    for args in (
        ["--help"],
        ["score", "--help"],
        ["list", "--help"],
        ["validate", "--help"],
        ["synth", "--help"],
        ["new", "--help"],
        ["data", "--help"],
        ["data", "coverage", "--help"],
        ["train", "--help"],
        ["judge", "--help"],
        ["run", "--help"],
        ["leaderboard", "--help"],
        ["recipe", "--help"],
        ["recipe", "list", "--help"],
        ["recipe", "import", "--help"],
        ["verifier", "--help"],
        ["verifier", "ship", "--help"],
    ):
        res = help_text(*args)
        assert res.exit_code == 0 and "Usage" in res.output, args
        wide = [line for line in res.output.splitlines() if len(line) > 80 or "…" in line]
        assert not wide, (args, wide)
        if "Examples:" in res.output:
            after = res.output.split("Examples:")[1].splitlines()[1]
            assert after.strip().startswith(("bench ", "accelerate ")) and len(after) < 80, (args, after)
    # an error message is printed as written, never read as markup
    odd = tmp_path / "q[a-z_]+$.csv"
    res = run_bench("run", "banking", "--real-queries", str(odd), cwd=REPO)
    assert res.returncode == 2 and f"{odd}: file not found" in res.stderr, res.stderr


def test_coverage_prints_a_figure_per_category(tmp_path):
    out = tmp_path / "coverage.csv"
    res = run_bench(
        "data",
        "coverage",
        "banking",
        "--real",
        str(BANKING77),
        "--sample-per-category",
        "5",
        "--size",
        "200",
        "--out",
        str(out),
        cwd=REPO,
    )
    assert res.returncode == 0, res.stderr
    import pandas as pd

    table = pd.read_csv(out)
    assert len(table) == 77 and table["median"].between(-1, 1).all()
    assert "poorly covered" in res.stdout and "mean best similarity" in res.stdout
    res = run_bench("data", "coverage", "banking", "--real", str(tmp_path / "missing.csv"), cwd=REPO)
    assert res.returncode == 2 and "missing.csv" in res.stderr


def test_train_bad_input_exits_2_and_leaves_nothing_finished(tmp_path):
    env = {"DOMAINBENCH_HOME": str(tmp_path / "home")}
    res = run_bench("train", "banking", "--model", "no-such-model", "--size", "40", cwd=REPO, env=env)
    assert res.returncode == 2 and "unknown model spec 'no-such-model'" in res.stderr
    res = run_bench("train", "banking", "--learning-rate", "0", cwd=REPO, env=env)
    assert res.returncode == 2 and "--learning-rate must be positive" in res.stderr
    res = run_bench("train", "banking", "--recipe", "nope", cwd=REPO, env=env)
    assert res.returncode == 2 and "unknown recipe 'nope'" in res.stderr and "default" in res.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("base_model: smollm2-135m\nlearning_rate: -1\n")
    res = run_bench("train", "banking", "--recipe", str(bad), cwd=REPO, env=env)
    assert res.returncode == 2 and "bad.yaml:2" in res.stderr and "learning_rate" in res.stderr
    assert not list((tmp_path / "home").glob("*/train-*"))


def test_train_with_a_target_module_the_model_lacks(tmp_path):
    from tests.tiny_models import make_tiny_llama

    model = make_tiny_llama(tmp_path / "tiny")
    recipe = tmp_path / "r.yaml"
    recipe.write_text(f"base_model: {model}\nlora_target_modules: [wq]\nsequence_len: 1024\n")
    res = run_bench(
        "train",
        "banking",
        "--recipe",
        str(recipe),
        "--size",
        "40",
        cwd=REPO,
        env={"DOMAINBENCH_HOME": str(tmp_path / "home")},
    )
    assert res.returncode == 2 and "'wq' is not a linear module" in res.stderr
    assert res.stderr.strip().splitlines()[-1].startswith("error:")
    assert not list((tmp_path / "home" / "banking").glob("*train-*"))


def test_judge_command_against_an_openai_compatible_endpoint(tmp_path):
    """`bench judge` end to end on a tiny model, with the judge at a real loopback endpoint."""
    from tests.judge.fault_server import FaultServer
    from tests.tiny_models import make_tiny_llama

    model = make_tiny_llama(tmp_path / "tiny")
    recipe = tmp_path / "r.yaml"
    recipe.write_text(
        f"base_model: {model}\nsequence_len: 1024\nmicro_batch_size: 4\nmax_steps: 2\n"
        "eval_steps: 2\nmax_eval_samples: 4\nlora_r: 4\n"
    )
    env = {"DOMAINBENCH_HOME": str(tmp_path / "home"), "OPENAI_API_KEY": "sk-cli-secret-77"}
    with FaultServer() as server:
        args = [
            "judge",
            "banking",
            "--recipe",
            str(recipe),
            "--size",
            "40",
            "--max-items",
            "4",
            "--max-new-tokens",
            "6",
            "--judge",
            "openai:fault-judge",
            "--judge-base-url",
            server.base_url,
        ]
        res = run_bench(*args, cwd=REPO, env=env)
        assert res.returncode == 0, res.stderr[-3000:]
        hits = server.hits
        again = run_bench(*args, cwd=REPO, env=env)
        # nothing judged or answered again: the one request is the preflight
        assert again.returncode == 0 and "reused" in again.stdout and server.hits == hits + 1
    assert "calibration" in res.stdout and "tuned" in res.stdout and "base" in res.stdout
    [folder] = list((tmp_path / "home" / "banking").glob("judge-*"))
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["inputs"]["judge"]["model"] == "fault-judge"
    assert len(list((tmp_path / "home" / "banking").glob("answers-*"))) == 2  # base and tuned, stages of their own
    for path in (tmp_path / "home").rglob("*"):
        if path.is_file():
            assert b"sk-cli-secret-77" not in path.read_bytes(), path


def test_synth_real_puts_coverage_in_the_card_and_a_bad_file_stops_before_work(tmp_path):
    real = tmp_path / "real.csv"
    real.write_text("text,category\nmy card never came in the post,card_arrival\nhow do i bake bread,cooking\n")
    env = {"DOMAINBENCH_HOME": str(tmp_path / "home")}
    res = run_bench("synth", "banking", "--size", "30", "--real", str(real), "--out", str(tmp_path / "d"), env=env)
    assert res.returncode == 0, res.stderr
    assert "coverage of real.csv:" in res.stdout and "of 2 real categories covered" in " ".join(res.stdout.split())
    card = (tmp_path / "d" / "data_card.md").read_text()
    poor = card.split("Still poorly covered (write intents or query templates for these next): ")[1].split("\n")[0]
    assert "`cooking`" in poor and (tmp_path / "d" / "coverage.csv").is_file()
    res = run_bench("synth", "banking", "--real", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "e"), env=env)
    assert res.returncode == 2 and "nope.csv" in res.stderr and not (tmp_path / "e").exists()


def test_library_output_goes_to_the_log_and_the_terminal_gets_stderr_back(tmp_path, capfd):
    """Python writes to stderr, C-level writes to file descriptor 2 and a child process's stderr all land
    in the log while it is open; afterwards stderr is the terminal's again."""
    import os
    import subprocess
    import sys

    from bench.cli._common import library_output

    log = tmp_path / "logs" / "run.log"
    with library_output(log, "header\n"):
        print("python-level noise", file=sys.stderr)
        os.write(2, b"fd-level noise\n")
        subprocess.run([sys.executable, "-c", "import sys; sys.stderr.write('child noise\\n')"], check=True)
    print("after", file=sys.stderr)
    text = log.read_text()
    assert text.startswith("header\n") and all(w in text for w in ("python-level", "fd-level", "child noise"))
    err = capfd.readouterr().err
    assert "after" in err and "noise" not in err
    with library_output(None):  # -v: nothing redirected
        print("shown", file=sys.stderr)
    assert "shown" in capfd.readouterr().err


def test_synth_takes_the_domains_sizes_unless_size_is_given(tmp_path, small_domain):
    path = small_domain / "domain.yaml"
    path.write_text(path.read_text().replace("categories:", "sizes: {train: 30, validation: 4, test: 8}\ncategories:"))
    counts = {}
    for name, args in (("domain", []), ("given", ["--size", "20"])):
        res = run_bench("synth", "toy", *args, "--out", str(tmp_path / name), cwd=tmp_path)
        assert res.returncode == 0, res.stderr
        counts[name] = json.loads((tmp_path / name / "synth_report.json").read_text())["counts"]
    assert counts == {
        "domain": {"train": 30, "validation": 4, "test": 8},
        "given": {"train": 20, "validation": 2, "test": 4},
    }


def test_the_data_card_names_the_command_that_makes_its_splits(tmp_path, small_domain):
    path = small_domain / "domain.yaml"
    path.write_text(path.read_text().replace("categories:", "sizes: {train: 30, validation: 4, test: 8}\ncategories:"))
    for name, args, command in (
        ("domain", [], "`bench synth toy --seed 0`"),  # the domain's sizes: no --size to give
        ("given", ["--size", "20"], "`bench synth toy --seed 0 --size 20`"),
    ):
        assert run_bench("synth", "toy", *args, "--out", str(tmp_path / name), cwd=tmp_path).returncode == 0
        assert f"made by {command} from" in (tmp_path / name / "data_card.md").read_text()
