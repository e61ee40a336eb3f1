"""`bench run` end to end at tiny sizes (tiny model, loopback judge and contestant endpoint):
results JSON, leaderboard files, reuse, a SIGKILL mid-run and a resume that ends with the same
results as an uninterrupted run."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import BANKING77, REPO, run_bench
from tests.judge.fault_server import FaultServer


@pytest.fixture
def tiny_recipe(tmp_path, tiny_llama) -> Path:
    recipe = tmp_path / "tiny.yaml"
    recipe.write_text(
        f"base_model: {tiny_llama}\nsequence_len: 1024\nmicro_batch_size: 4\nmax_steps: 3\n"
        "eval_steps: 3\nmax_eval_samples: 4\nlora_r: 4\nlearning_rate: 0.05\n"
    )
    return recipe


def args_for(recipe: Path, server: FaultServer, results: Path, *extra: str) -> list[str]:
    return [
        "run",
        "banking",
        "--recipe",
        str(recipe),
        "--size",
        "40",
        "--max-items",
        "8",
        "--max-new-tokens",
        "6",
        "--calibration-probes",
        "2",
        "--pairwise",
        "--judge",
        f"openai:fault-judge@{server.base_url}",
        "--out",
        str(results),
        *extra,
    ]


def test_run_writes_results_and_leaderboard_and_reuses_everything(tmp_path, tiny_recipe):
    env = {"DOMAINBENCH_HOME": str(tmp_path / "home"), "OPENAI_API_KEY": "sk-run-secret-42"}
    results = tmp_path / "results"
    with FaultServer() as server:
        extra = ("--contestant", f"openai:remote@{server.base_url}")
        res = run_bench(*args_for(tiny_recipe, server, results, *extra), cwd=REPO, env=env)
        assert res.returncode == 0, res.stderr[-3000:]
        hits = server.hits
        began = time.monotonic()
        again = run_bench(*args_for(tiny_recipe, server, results, *extra), cwd=REPO, env=env)
        # everything reused: no request but one preflight per endpoint (judge and contestant)
        assert again.returncode == 0 and server.hits == hits + 2
    assert time.monotonic() - began < 60
    [run] = list((results / "banking").glob("*/results.json"))
    record = json.loads(run.read_text())
    assert set(record["results"]) == {"base", "tuned", "openai:remote"}
    cos = record["results"]["tuned"]["cosine"]
    assert cos["n"] == 8 and cos["ci95"][0] <= cos["mean"] <= cos["ci95"][1] and cos["stderr"] > 0
    assert cos["k"] == record["n_samples"]["clusters"] == len({json.loads(line)["intent"] for line in
                                                             (run.parent / "scores.jsonl").open()})  # fmt: skip
    facts = record["results"]["tuned"]["fact_recall"]
    assert facts["n"] + facts["unscored"] == record["n_samples"]["fact_items"] > 0 and 0 <= facts["mean"] <= 1
    delta = record["comparisons"]["tuned - base"]["cosine"]
    assert delta["n"] == 8 and 0 < delta["p_value"] <= delta["p_holm"] <= 1
    assert record["multiple_comparisons"]["adjustment"] == "Holm" and record["schema"] == "domainbench.results/4"
    assert record["pairwise"]["tuned vs base"]["n"] + record["pairwise"]["tuned vs base"]["unscored"] == 8
    assert record["judge"]["model"] == "fault-judge" and "calibration_passed" in record["judge"]
    assert record["config"]["adapter_sha256"] and record["config"]["model"]["sha256"]
    # the dtypes actually used: training's precision, and each local contestant's answer dtype
    assert (
        record["config"]["train"]["precision"]["mixed_precision"] is None
        and record["config"]["train"]["device"] == "cpu"
    )
    assert record["config"]["contestants"]["base"]["answered_by"]["generation"]["dtype"] == "float32"
    assert (
        record["peak_rss_mb"] > 0
        and record["git"]["commit"]
        and record["versions"]["torch"]
        and record["hardware"]["cpu_count"]
    )
    assert not any(record["stages"][s]["reused"] for s in ("synth", "train", "judge"))  # the working run's record
    assert "(unchanged)" in again.stdout and record["stages"]["judge"]["summary"]["process_peak_rss_mb"] > 0
    assert (run.parent / "judgments.jsonl").is_file() and (run.parent / "scores.jsonl").is_file()
    # without -v the libraries' own output (here transformers' loading bars) went to a log, not the terminal
    assert record["library_log"] == "library.log" and "Loading weights" in (run.parent / "library.log").read_text()
    assert "Loading weights" not in res.stderr + res.stdout and "library output: " in res.stdout
    board = results / "banking"
    md = (board / "leaderboard.md").read_text()
    assert "fault-judge (rubric, calibration" in md and "| tuned" in md and "Δ cosine" in md and "Against base" in md
    assert "## Judge calibration" in md and "long_wrong *" in md and "cosine accuracy" in md
    csv = pd.read_csv(board / "leaderboard.csv")
    assert set(csv["contestant"]) == {"base", "tuned", "openai:remote"} and set(csv["metric"]) >= {"cosine"}
    html = (board / "leaderboard.html").read_text()
    assert "<script>" in html and "data:image/png;base64," in html and "http" not in html.split("<script>")[1]
    assert (board / "leaderboard.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    for path in [*tmp_path.joinpath("home").rglob("*"), *results.rglob("*")]:
        if path.is_file():
            assert b"sk-run-secret-42" not in path.read_bytes(), path
    # A run made by an older scoring version is named under the tables, never mixed into them.
    old = board / "older-run"
    shutil.copytree(run.parent, old)
    (old / "results.json").write_text(json.dumps({**record, "schema": "domainbench.results/2"}))
    board_again = run_bench("leaderboard", "banking", "--results", str(results), cwd=REPO)
    assert board_again.returncode == 0 and "banking leaderboard" in board_again.stdout
    md = (board / "leaderboard.md").read_text()
    assert "older scoring version** (older-run (domainbench.results/2))" in md
    assert "older-run" not in set(pd.read_csv(board / "leaderboard.csv")["run"])


def test_killed_run_resumes_to_the_same_results(tmp_path, tiny_recipe):
    with FaultServer(delay=0.15) as server:
        straight = tmp_path / "straight"
        env = {"DOMAINBENCH_HOME": str(straight / "home")}
        assert run_bench(*args_for(tiny_recipe, server, straight / "results"), cwd=REPO, env=env).returncode == 0

        killed = tmp_path / "killed"
        env = {**os.environ, "DOMAINBENCH_HOME": str(killed / "home")}
        cmd = [sys.executable, "-m", "bench", *args_for(tiny_recipe, server, killed / "results")]
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 300
        judgments = None
        while time.monotonic() < deadline and proc.poll() is None:
            found = list((killed / "home" / "banking").glob(".judge-*.partial/judgments.jsonl"))
            if found and found[0].stat().st_size > 0:
                judgments = found[0]
                break
            time.sleep(0.05)
        assert judgments is not None, "the run ended before it was judging"
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert not list((killed / "results").rglob("results.json"))  # nothing finished-looking
        partial = len(judgments.read_text().splitlines())
        hits = server.hits
        res = run_bench(*args_for(tiny_recipe, server, killed / "results"), cwd=REPO, env=env)
        assert res.returncode == 0, res.stderr[-3000:]
    [a] = list((straight / "results" / "banking").glob("*/results.json"))
    [b] = list((killed / "results" / "banking").glob("*/results.json"))
    first, second = json.loads(a.read_text()), json.loads(b.read_text())
    assert first["results_hash"] == second["results_hash"]
    assert first["results"] == second["results"] and first["comparisons"] == second["comparisons"]
    total = len((b.parent / "judgments.jsonl").read_text().splitlines())
    assert server.hits - hits <= total - partial + 1  # the resume re-sent only what was missing


def test_leaderboard_bad_input_is_one_line(tmp_path):
    res = run_bench("leaderboard", "banking", "--results", str(tmp_path), cwd=REPO)
    assert res.returncode == 2 and "no results for 'banking'" in res.stderr
    bad = tmp_path / "banking" / "run1"
    bad.mkdir(parents=True)
    (bad / "results.json").write_text("{not json")
    res = run_bench("leaderboard", "banking", "--results", str(tmp_path), cwd=REPO)
    assert res.returncode == 2 and "results.json: not valid JSON" in res.stderr
    assert "Traceback" not in res.stderr and not (tmp_path / "banking" / "leaderboard.md").exists()


def test_two_models_are_each_trained_judged_and_ranked(tmp_path, tiny_llama):
    from tests.tiny_models import make_tiny_llama

    other = make_tiny_llama(tmp_path / "tiny-two-layers", layers=2, seed=1)
    recipe = tmp_path / "r.yaml"
    recipe.write_text("base_model: none\nsequence_len: 1024\nmicro_batch_size: 4\nmax_steps: 1\nlora_r: 4\n")
    results = tmp_path / "results"
    with FaultServer() as server:
        args = args_for(recipe, server, results, "--models", f"{tiny_llama},{other}", "--max-items", "4")
        res = run_bench(*args, cwd=REPO, env={"DOMAINBENCH_HOME": str(tmp_path / "home")})
    assert res.returncode == 0, res.stderr[-3000:]
    runs = [json.loads(p.read_text()) for p in (results / "banking").glob("*/results.json")]
    assert sorted(r["config"]["model"]["spec"] for r in runs) == sorted([str(tiny_llama), str(other)])
    assert len({r["config"]["adapter_sha256"] for r in runs}) == 2
    csv = pd.read_csv(results / "banking" / "leaderboard.csv")
    assert csv["run"].nunique() == 2


def test_another_judge_generates_no_answer(tmp_path, tiny_recipe):
    env = {"DOMAINBENCH_HOME": str(tmp_path / "home")}
    results = tmp_path / "results"
    with FaultServer() as server:
        first = run_bench(*args_for(tiny_recipe, server, results), cwd=REPO, env=env)
        assert first.returncode == 0, first.stderr[-3000:]
        other = args_for(tiny_recipe, server, results)
        other[other.index("--judge") + 1] = f"openai:another-judge@{server.base_url}"
        second = run_bench(*other, cwd=REPO, env=env)
        assert second.returncode == 0, second.stderr[-3000:]
    assert "base" in first.stdout and "8 generated" in first.stdout
    assert second.stdout.count("reused, 0 generated") == 2  # base and tuned
    runs = {p.parent.name: json.loads(p.read_text()) for p in (results / "banking").glob("*/results.json")}
    assert len(runs) == 2
    by_judge = {r["judge"]["model"]: r for r in runs.values()}
    again = by_judge["another-judge"]["stages"]
    assert again["answers:base"]["reused"] and again["answers:tuned"]["reused"] and not again["judge"]["reused"]
    assert (
        again["answers:base"]["generated_this_invocation"] == again["answers:tuned"]["generated_this_invocation"] == 0
    )
    assert again["answers:base"]["key"] == by_judge["fault-judge"]["stages"]["answers:base"]["key"]
    assert len(list((tmp_path / "home" / "banking").glob("answers-*"))) == 2


def test_a_faulty_judge_endpoint_never_stops_the_run(tmp_path, tiny_recipe):
    env = {"DOMAINBENCH_HOME": str(tmp_path / "home")}
    results = tmp_path / "results"
    with FaultServer(fault_rate=0.3, seed=3, hang=0.2) as server:
        server.faults = [None, "html200"]  # the preflight passes; the first judgment gets a proxy's HTML page
        res = run_bench(*args_for(tiny_recipe, server, results), cwd=REPO, env=env)
        assert res.returncode == 0, res.stderr[-3000:]
        injected = list(server.injected)
        [path] = list((results / "banking").glob("*/results.json"))
        record = json.loads(path.read_text())
        lines = [json.loads(line) for line in (path.parent / "judgments.jsonl").read_text().splitlines()]
        server.fault_rate = 0.0  # the endpoint is healthy again: a rerun retries only the failures
        hits = server.hits
        again = run_bench(*args_for(tiny_recipe, server, results), cwd=REPO, env=env)
        assert again.returncode == 0, again.stderr[-3000:]
        retried = server.hits - hits - 1  # less the preflight
    assert "html200" in injected and len(set(injected)) >= 8  # many kinds of fault were served
    assert lines and all(line["status"] in ("ok", "unscored", "error") for line in lines)
    counts = record["judge"]["requests"]
    assert counts["unscored"] > 0 and counts["error"] > 0  # both kinds of failure are counted
    assert counts["ok"] + counts["unscored"] + counts["error"] == len({r["id"] for r in lines})
    assert sum(counts["error_kinds"].values()) == counts["error"]
    assert record["complete"] is False and any("failed on" in w for w in record["warnings"])
    assert retried == counts["error"]
    final = json.loads(path.read_text())
    assert final["complete"] is True and final["judge"]["requests"]["error"] == 0
    assert final["judge"]["requests"]["unscored"] == counts["unscored"]  # an unscored judgment is final


def test_a_dead_or_wrong_endpoint_fails_before_any_stage(tmp_path, tiny_recipe):
    home = tmp_path / "home"
    with FaultServer() as server:
        url = server.base_url
        server.faults = ["404_model"] * 3  # a wrong model name, every try
        wrong = run_bench(
            *args_for(tiny_recipe, server, tmp_path / "results"), cwd=REPO, env={"DOMAINBENCH_HOME": str(home)}
        )
    began = time.monotonic()
    dead = run_bench(
        *args_for(tiny_recipe, server, tmp_path / "results"), cwd=REPO, env={"DOMAINBENCH_HOME": str(home)}
    )
    assert time.monotonic() - began < 60
    for res in (wrong, dead):
        assert res.returncode == 2 and "Traceback" not in res.stderr, res.stderr[-2000:]
        [line] = [line for line in res.stderr.splitlines() if line.startswith("error:")]
        assert f"judge at {url}" in line
    assert "404" in wrong.stderr and "unreachable" in dead.stderr
    assert not home.exists() or not any(home.rglob("manifest.json"))  # no stage ran


def test_real_queries_are_answered_judged_and_shown_beside_the_synthetic_test(tmp_path, tiny_recipe):
    """`--real-queries`: every contestant answers a seeded sample of a real-query CSV; results.json,
    the leaderboard's tables and chart show it beside the synthetic test; a rerun reuses it all."""
    queries = tmp_path / "queries.csv"
    rows = BANKING77.read_text().splitlines()
    queries.write_text("\n".join([rows[0], *rows[1:2000:250], "what is a mortgage,mortgages"]) + "\n")  # 8 mapped
    env = {"DOMAINBENCH_HOME": str(tmp_path / "home")}
    results = tmp_path / "results"
    with FaultServer() as server:
        extra = (
            "--real-queries",
            str(queries),
            "--real-items",
            "6",
            "--contestant",
            f"openai:remote@{server.base_url}",
        )
        res = run_bench(*args_for(tiny_recipe, server, results, *extra), cwd=REPO, env=env)
        assert res.returncode == 0, res.stderr[-3000:]
        assert "judge (real queries)" in res.stdout and "real queries: mean" in res.stdout
        again = run_bench(*args_for(tiny_recipe, server, results, *extra), cwd=REPO, env=env)
        assert again.returncode == 0 and "(unchanged)" in again.stdout
        flat = " ".join(again.stdout.split())  # the console wraps long lines
        assert flat.count("reused, 0 generated") == 6, flat  # 3 contestants x (synthetic test, real queries)
    [run] = list((results / "banking").glob("*/results.json"))
    record = json.loads(run.read_text())
    real = record["real_queries"]
    assert set(real["results"]) == {"base", "tuned", "openai:remote"}
    assert real["n_samples"]["test_items"] == 6 and real["n_samples"]["cluster_by"] == "category"
    assert real["n_samples"]["clusters"] == len({json.loads(line)["category"] for line in
                                                (run.parent / "real_queries" / "scores.jsonl").open()})  # fmt: skip
    served = real["results"]["tuned"]["intent_served"]
    assert served["n"] == real["n_samples"]["intent_items"] <= 6 and 0 <= served["mean"] <= 1
    assert real["results"]["tuned"]["judge_score"]["n"] == 6  # an endpoint judge: every query judged
    assert "fact_recall" not in real["results"]["tuned"] and "cosine" not in real["results"]["tuned"]
    assert real["source"]["sha256"] and real["source"]["sampled"] == 6 and real["intent_finder"]["accuracy"] >= 0
    assert real["comparisons"]["tuned - base"]["policy_pass"]["p_holm"] is not None
    assert "synthetic test and real queries" in record["multiple_comparisons"]["family"]
    assert record["task_hashes"]["real-judge"] and "answers-real:tuned" in record["task_hashes"]
    board = results / "banking"
    md = (board / "leaderboard.md").read_text()
    assert "## Synthetic test and real customer queries, side by side" in md and "intent served: real" in md
    assert "6 real queries (a seeded sample of" in md and "Real-query CIs resample categories" in md
    csv = pd.read_csv(board / "leaderboard.csv")
    assert set(csv["evaluation"]) == {"synthetic test", "real queries"}
    assert set(csv[csv["evaluation"] == "real queries"]["metric"]) >= {"intent_served", "judge_score"}
    assert "real customer queries" in (board / "leaderboard.html").read_text()


def test_a_bad_real_query_file_fails_before_any_stage(tmp_path, tiny_recipe):
    home = tmp_path / "home"
    bad = tmp_path / "bad.csv"
    bad.write_text("query,label\nhello,x\n")
    with FaultServer() as server:
        for path, message in ((bad, f"{bad}:1: needs the columns text,category"), (tmp_path / "nope.csv", "not found")):
            res = run_bench(
                *args_for(tiny_recipe, server, tmp_path / "results", "--real-queries", str(path)),
                cwd=REPO,
                env={"DOMAINBENCH_HOME": str(home)},
            )
            assert res.returncode == 2 and "Traceback" not in res.stderr, res.stderr[-2000:]
            [line] = [line for line in res.stderr.splitlines() if line.startswith("error:")]
            assert message in line
    assert not home.exists() or not any(home.rglob("manifest.json"))  # no stage ran


def test_retrieval_contestants_beside_base_and_tuned(tmp_path, tiny_recipe):
    """`--rag`: base+rag and tuned+rag answer with retrieved policy passages in the prompt, are scored
    by every metric and compared with base and with tuned; recall@k is printed and recorded."""
    env = {"DOMAINBENCH_HOME": str(tmp_path / "home")}
    results = tmp_path / "results"
    with FaultServer() as server:
        res = run_bench(*args_for(tiny_recipe, server, results, "--rag", "--rag-k", "2"), cwd=REPO, env=env)
        assert res.returncode == 0, res.stderr[-3000:]
        flat = " ".join(res.stdout.split())
        assert "index:" in flat and "(built, " in flat and "retrieval: recall@2" in flat
        again = run_bench(*args_for(tiny_recipe, server, results, "--rag", "--rag-k", "2"), cwd=REPO, env=env)
        flat = " ".join(again.stdout.split())
        assert again.returncode == 0 and "(reused, " in flat and flat.count("reused, 0 generated") == 4
        bad = run_bench(*args_for(tiny_recipe, server, results, "--rag", "--rag-k", "0"), cwd=REPO, env=env)
        assert bad.returncode == 2 and "--rag-k must be at least 1, got 0" in bad.stderr
    [run] = list((results / "banking").glob("*/results.json"))
    record = json.loads(run.read_text())
    assert list(record["results"]) == ["base", "tuned", "base+rag", "tuned+rag"]
    assert set(record["comparisons"]) == {"tuned - base", "base+rag - base", "tuned+rag - base",
                                          "base+rag - tuned", "tuned+rag - tuned"}  # fmt: skip
    assert record["results"]["tuned+rag"]["cosine"]["n"] == 8
    got = record["retrieval"]
    assert got["k"] == 2 and got["items"] + got["items_without_facts"] == 8 and 0 <= got["recall_at_k"] <= 1
    assert got["index"]["engine"].startswith("chromadb") and got["prompt"]["name"] == "rag-v1"
    prompts = [json.loads(line)["prompt"] for line in (Path(record["stages"]["answers:tuned+rag"]["path"])
                                                       / "answers.jsonl").open()]  # fmt: skip
    assert all("Answer the question using this excerpt" in p for p in prompts)
    md = (results / "banking" / "leaderboard.md").read_text()
    assert "| tuned+rag | tuned |" in " ".join(md.split())  # the comparison table's retrieval-vs-tuned row
    assert "Retrieval recall@2" in md and "Retrieval recall@2" in (results / "banking" / "leaderboard.html").read_text()


def test_training_seeds_share_base_and_make_one_leaderboard_row(tmp_path, tiny_recipe):
    """`--train-seeds 3`: one dataset, one base answers stage, three adapters (recipe seed, +1, +2);
    results hold each seed's comparison, the pooled effect and the spread between seeds; the
    leaderboard shows the configuration's tuned contestant as one row of 3, and a plain run of the
    same configuration joins that row without counting its (identical) tuned answers twice."""
    import statistics

    env = {"DOMAINBENCH_HOME": str(tmp_path / "home")}
    results = tmp_path / "results"
    with FaultServer() as server:
        res = run_bench(*args_for(tiny_recipe, server, results, "--train-seeds", "3"), cwd=REPO, env=env)
        assert res.returncode == 0, res.stderr[-3000:]
        flat = " ".join(res.stdout.split())
        assert "(seed 43)" in flat and "(seed 44)" in flat and "training seeds" in flat
        again = run_bench(*args_for(tiny_recipe, server, results, "--train-seeds", "3"), cwd=REPO, env=env)
        assert again.returncode == 0 and " ".join(again.stdout.split()).count("reused, 0 generated") == 4
        bad = run_bench(*args_for(tiny_recipe, server, results, "--train-seeds", "0"), cwd=REPO, env=env)
        assert bad.returncode == 2 and "--train-seeds must be at least 1, got 0" in bad.stderr
        [run] = list((results / "banking").glob("*/results.json"))
        hits = server.hits
        plain = run_bench(*args_for(tiny_recipe, server, results), cwd=REPO, env=env)
        assert plain.returncode == 0, plain.stderr[-3000:]
        # its judge stage (other contestants) asks nothing the seeds run's judge was asked: one preflight
        assert server.hits == hits + 1 and "judgments reused from earlier judge stages" in " ".join(
            plain.stdout.split()
        )
    record = json.loads(run.read_text())
    names = ["tuned", "tuned-seed43", "tuned-seed44"]
    assert list(record["results"]) == ["base", *names]
    seeds = record["train_seeds"]
    assert seeds["contestants"] == names and [seeds["training"][n]["seed"] for n in names] == [42, 43, 44]
    assert len({seeds["training"][n]["train_key"] for n in names}) == 3
    assert len({record["config"]["contestants"][n]["answered_by"]["adapter_sha256"] for n in names}) == 3
    assert record["stages"]["train:tuned-seed43"]["key"] == seeds["training"]["tuned-seed43"]["train_key"]
    means = [record["results"][n]["cosine"]["mean"] for n in names]
    pooled = seeds["pooled"]["cosine"]
    assert pooled["mean"] == pytest.approx(statistics.fmean(means)) and pooled["n"] == 8
    deltas = [record["comparisons"][f"{n} - base"]["cosine"]["delta"] for n in names]
    spread = seeds["spread"]["cosine"]["delta_vs_base"]
    assert spread["sd"] == pytest.approx(statistics.stdev(deltas)) and spread["min"] == min(deltas)
    assert pooled["vs_base"]["p_holm"] is not None and "pooled effect" in record["multiple_comparisons"]["family"]
    md = " ".join((results / "banking" / "leaderboard.md").read_text().split())
    assert md.count("| tiny | tuned | 3 | ") == 1 and md.count("| tiny | base | 1 | ") == 1  # 2 runs, one row each
    assert "| tiny | tuned-seed43 | 1 |" not in md and "| tiny | tuned-seed43 | base |" in md  # its comparison
    assert "tuned (seeds pooled), 3 seeds | base |" in md and "between seeds sd" in md
    assert "Over 3 training seeds, pooled against base: " in (run.parent / "report.md").read_text()
    csv = pd.read_csv(results / "banking" / "leaderboard.csv")
    pooled_rows = csv[csv["contestant"] == "tuned (seeds pooled)"]
    assert len(pooled_rows) > 0 and (pooled_rows["seeds_delta_n"] == 3).all()


def test_a_merge_recipe_judges_the_merged_model_as_a_third_contestant(tmp_path, tiny_recipe):
    """`merge: true` (seed system 5): the train stage writes the merged base in the base's dtype, and
    `merged` answers beside base and tuned; in float32 its greedy answers are the adapter's."""
    recipe = tmp_path / "merging.yaml"
    recipe.write_text(tiny_recipe.read_text() + "merge: true\n")
    env = {"DOMAINBENCH_HOME": str(tmp_path / "home")}
    results = tmp_path / "results"
    with FaultServer() as server:
        res = run_bench(*args_for(recipe, server, results), cwd=REPO, env=env)
    assert res.returncode == 0, res.stderr[-3000:]
    [run] = list((results / "banking").glob("*/results.json"))
    record = json.loads(run.read_text())
    assert list(record["results"]) == ["base", "tuned", "merged"]
    assert "merged - base" in record["comparisons"]
    metrics = json.loads((Path(record["stages"]["train"]["path"]) / "metrics.json").read_text())
    assert metrics["merged"]["dtype"] == "float32" and metrics["merged"]["merged_in"] == "float32"
    answers = {}
    for name in ("tuned", "merged"):
        folder = Path(record["stages"][f"answers:{name}"]["path"])
        rows = [json.loads(line) for line in (folder / "answers.jsonl").open()]
        answers[name] = {r["question_id"]: r["answer"] for r in rows}
    assert answers["merged"] == answers["tuned"] and len(answers["tuned"]) == 8
    assert record["config"]["contestants"]["merged"]["answered_by"]["adapter_sha256"] is None


@pytest.mark.parametrize("domain", ["evidence_qa", "finance_instruct"])
def test_a_domain_made_from_existing_data_runs_end_to_end(tmp_path, tiny_recipe, domain):
    """A shipped sample domain (domain.yaml `source:`): data -> train -> answers -> scores -> results;
    cosine and the judge's rubric score it, fact recall and the policy rules are skipped with a reason."""
    env = {"DOMAINBENCH_HOME": str(tmp_path / "home")}
    results = tmp_path / "results"
    with FaultServer() as server:
        args = args_for(tiny_recipe, server, results)
        args[1] = domain
        res = run_bench(*args, cwd=REPO, env=env)
    assert res.returncode == 0, res.stderr[-3000:]
    [run] = list((results / domain).glob("*/results.json"))
    record = json.loads(run.read_text())
    assert set(record["results"]) == {"base", "tuned"}
    assert {"cosine", "judge_score"} <= set(record["results"]["tuned"])
    assert not {"fact_recall", "fact_error", "policy_pass"} & set(record["results"]["tuned"])
    assert "no policy sheet" in record["skipped_metrics"]["policy_pass"]
    assert record["results"]["tuned"]["cosine"]["n"] == 8
    card = (run.parent / "data_card.md").read_text()
    assert "## Filters, in order, with every drop" in card and "exact-duplicate" in card
