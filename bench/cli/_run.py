"""`bench run DOMAIN`: synth -> train -> judge -> results -> leaderboard, every finished stage reused."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import typer
from rich.table import Table
from rich.text import Text

from .._domains import domain_dir
from ._common import SIZE_HELP, console, fail, library_output, progress_panel
from ._judge import (
    JUDGE_HELP,
    PROTOCOL_HELP,
    check_protocol,
    judge_choice,
    parse_contestants,
    preflight,
    print_judge_notes,
)

LOCAL_JUDGE_ITEMS = 50  # a local judge on 2 CPU cores (about 2.5 rubric questions a second): 50 items judged


def run_command(
    domain: str = typer.Argument(..., help="Domain name under benchmarks/, or a path to a domain folder."),
    recipe: str = typer.Option(
        "default",
        help="A recipe name (the domain's recipes/, else train/recipes/) or a recipe file.",
    ),
    models: str | None = typer.Option(
        None,
        help="Comma-separated base models, each trained and judged: built-in specs "
        "(smollm2-135m, gemma3-270m), local Hugging Face folders or hub ids. Default: the recipe's.",
    ),
    judge: str = typer.Option("local", help=JUDGE_HELP),
    judge_protocol: str = typer.Option("rubric", help=PROTOCOL_HELP),
    pairwise: bool = typer.Option(False, help="Also judge tuned vs base pairwise, in both orders."),
    judge_base_url: str | None = typer.Option(None, help="Judge endpoint (vLLM, Ollama, llama.cpp, OpenAI)."),
    judge_structured: bool = typer.Option(True, help="Send a JSON schema in response_format."),
    contestant: list[str] = typer.Option(
        [], help="Extra contestant behind an endpoint, openai:MODEL@BASE_URL (repeatable)."
    ),
    seed: int = typer.Option(0, help="Seed of the dataset and of the judge's per-sample order."),
    source: str | None = typer.Option(
        None,
        help="For a domain made from existing data: another file or hub dataset (ID or ID@REVISION) with "
        "the same columns, in place of the one domain.yaml names.",
    ),
    size: int | None = typer.Option(None, min=1, help=SIZE_HELP),
    max_steps: int | None = typer.Option(None, help="Override the recipe's max_steps."),
    max_items: int | None = typer.Option(None, help="Answer and score a seeded spread of N test items (default: all)."),
    judge_items: int | None = typer.Option(
        None,
        help=f"Send a seeded spread of N scored items to the LLM judge. Default: {LOCAL_JUDGE_ITEMS} with the "
        "local judge (CPU time), all with an endpoint judge.",
    ),
    calibration_probes: int = typer.Option(
        20,
        help="Judge-calibration probe rows, one intent each (each: up to 12 answers judged, 5 rubric questions each).",
    ),
    max_new_tokens: int | None = typer.Option(
        None,
        help="Answer length cap, the same for every contestant. Default: twice the longest test reference in "
        "the model's own tokens (recorded; answers cut at the cap are counted per contestant).",
    ),
    loop_guard: int = typer.Option(
        12,
        help="Local contestants never repeat a run of N tokens of their own answer (0: off); answers where the "
        "guard fired are counted per contestant.",
    ),
    answers_engine: str = typer.Option(
        "transformers",
        help="What answers base and tuned: transformers (batched generate) or llama.cpp (one local llama.cpp "
        "server, the built-in model's GGUF with the adapter as a LoRA GGUF; measured 1.7-3.1x slower on 2 cores).",
    ),
    real_queries: Path | None = typer.Option(
        None,
        help="A text,category CSV of real customer queries (e.g. Banking77's): a seeded sample is answered by every "
        "contestant and scored without references (reference-free rubric items, policy checks, intent served via "
        "the domain's real_queries.yaml), shown beside the synthetic test. Opt-in: it adds answering time.",
    ),
    real_items: int = typer.Option(200, help="How many real queries to sample from --real-queries (seeded by --seed)."),
    rag: bool = typer.Option(
        False,
        help="Add retrieval contestants base+rag and tuned+rag: the same models with the top --rag-k passages of the "
        "domain's policy sheet (a Chroma index, its own stage) in the prompt, compared with base and with tuned.",
    ),
    rag_k: int = typer.Option(3, help="Passages retrieved for each question with --rag."),
    train_seeds: int = typer.Option(
        1,
        help="Train N adapters per model on the same data, with the recipe's seed, seed + 1, ... (--seed still "
        "sets the data and the judge's order): base answers once, each adapter answers the synthetic test, and "
        "results report each seed's effect, the pooled effect and the spread between seeds.",
    ),
    out: Path = typer.Option(Path("results"), help="Results folder: writes OUT/DOMAIN/RUN_ID/ and the leaderboard."),
    verbose: bool = typer.Option(
        False,
        "--verbose",
        "-v",
        help="Show the libraries' own output (their progress bars, warnings) here. Without it, it goes to a log "
        "file, copied into each results folder the run writes as library.log.",
    ),
) -> None:
    """Run the whole benchmark for a domain and update its leaderboard.

    Builds the synthetic dataset, trains a QLoRA adapter for each model, answers the held-out test
    split with base and tuned, scores the answers (fact recall, cosine similarity, policy checks, LLM judge
    with calibration), writes results/DOMAIN/RUN_ID/results.json with CIs and paired tuned-vs-base
    tests, and regenerates results/DOMAIN/leaderboard.{md,csv,html,png}. Every stage is keyed by
    a hash of its inputs: a rerun reuses finished work, and a killed run resumes.

    \b
    Examples:
      bench run banking
      bench run banking --models smollm2-135m,gemma3-270m
      bench run banking --judge openai:gpt-4o-mini
      bench run banking --real-queries ../shared/data/banking77/train.csv
      bench run banking --rag
      bench run banking --train-seeds 3
      bench run banking --models meta-llama/Llama-3.2-3B-Instruct \\
          --recipe bankllama \\
          --judge openai:Qwen2.5-7B-Instruct@http://127.0.0.1:8000/v1
    """
    from answers import GenerationSettings
    from judge._run import JudgeSettings
    from leaderboard import write_leaderboard

    from .._pipeline import ANSWER_ENGINES, RunPlan, run_pipeline

    bounded = (
        ("--max-items", max_items),
        ("--judge-items", judge_items),
        ("--max-steps", max_steps),
        ("--max-new-tokens", max_new_tokens),
    )
    for name, value in bounded:
        if value is not None and value < 1:
            raise fail(f"{name} must be at least 1, got {value}")
    if rag_k < 1:
        raise fail(f"--rag-k must be at least 1, got {rag_k}")
    if train_seeds < 1:
        raise fail(f"--train-seeds must be at least 1, got {train_seeds}")
    if real_items < 1:
        raise fail(f"--real-items must be at least 1, got {real_items}")
    if calibration_probes < 1:
        raise fail(f"--calibration-probes must be at least 1, got {calibration_probes}")
    if loop_guard < 0:
        raise fail(f"--loop-guard must be 0 (off) or a number of tokens, got {loop_guard}")
    if answers_engine not in ANSWER_ENGINES:
        raise fail(f"--answers-engine must be one of {', '.join(ANSWER_ENGINES)}, got '{answers_engine}'")
    extra = parse_contestants(contestant)
    model_list = tuple(m.strip() for m in models.split(",") if m.strip()) if models else ()
    if models is not None and not model_list:
        raise fail("--models is empty")
    check_protocol(judge_protocol)
    folder = domain_dir(domain)
    if real_queries is not None:
        _check_real_queries(real_queries, folder)
    if rag:
        import retrieval
        from synth import load_domain

        retrieval.passages(load_domain(folder))  # a domain with nothing to retrieve fails now, naming its file
    choice = judge_choice(judge, judge_base_url, judge_structured)
    if judge_items is None and choice.local:
        judge_items = LOCAL_JUDGE_ITEMS
    log = None if verbose else _log_path(folder.name)
    plan = RunPlan(
        domain_dir=folder,
        recipe=recipe,
        models=model_list,
        seed=seed,
        size=size,
        max_steps=max_steps,
        max_items=max_items,
        generation=GenerationSettings(max_new_tokens=max_new_tokens, loop_guard_ngram=loop_guard),
        contestants=extra,
        judge=JudgeSettings(
            judge_items=judge_items,
            pairwise=pairwise,
            calibration_probes=calibration_probes,
            seed=seed,
            protocol=judge_protocol,
        ),
        results_dir=out,
        answers_engine=answers_engine,
        real_queries=real_queries,
        real_items=real_items,
        rag_k=rag_k if rag else None,
        train_seeds=train_seeds,
        library_log=log,
        source=source,
    )
    began = time.perf_counter()
    preflight(choice, extra)
    if log:
        console.print(f"library output: {log} (-v shows it here)")
    with progress_panel() as track, library_output(log, f"bench {' '.join(sys.argv[1:])}\n"):
        written = run_pipeline(plan, choice, track, report=lambda line: console.print(line))
    paths = write_leaderboard(out / folder.name)
    from report import write_index, write_report

    reports = [write_report(p.parent)["html"] for p in written]
    write_index(out / folder.name)
    _print_summary([json.loads(p.read_text()) for p in written])
    for path in reports:
        console.print(f"report: {path} (also report.md; every run: {out / folder.name / 'index.html'})")
    console.print(f"leaderboard: {paths['md']} (also .csv, .html, .png); {time.perf_counter() - began:.0f} s in all")


def _log_path(domain: str) -> Path:
    """Where this invocation's library output goes: the store's DOMAIN/logs/, one file per invocation."""
    import datetime as dt
    import os

    from .._store import home

    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return home() / domain / "logs" / f"run-{stamp}-{os.getpid()}.log"


def _metric_table(title: str, section: dict, metrics) -> Table:
    """A row per metric: each contestant's mean [95% CI], and each contestant minus base [CI] with its
    Holm-adjusted p (`section`: a results.json section with results and comparisons)."""
    from leaderboard import format_delta, format_metric
    from leaderboard._tables import LABELS

    names = list(section["results"])
    comparisons = list(section["comparisons"])  # "tuned - base", and "tuned+rag - tuned" for retrieval
    table = Table(title=title)
    table.add_column("metric")
    for name in names:
        table.add_column(name)
    for name in comparisons:
        table.add_column(f"Δ {name.removesuffix(' - base')}" if name.endswith(" - base") else f"Δ {name}")
    for metric in metrics:
        table.add_row(
            LABELS[metric],
            *(format_metric(section["results"][name].get(metric), metric) for name in names),
            *(format_delta(section["comparisons"][name].get(metric), metric) for name in comparisons),
        )
    return table


def _seeds_table(seeds: dict, metrics) -> Table:
    """A row per metric: the training seeds' pooled effect minus base [clustered CI] and the spread
    of the per-seed effects."""
    from leaderboard import format_delta, format_spread
    from leaderboard._tables import LABELS

    table = Table(title=f"{len(seeds['contestants'])} training seeds ({', '.join(seeds['contestants'])}): "
                        "pooled effect and spread between seeds")  # fmt: skip
    for column in ("metric", "Δ pooled (minus base)", "per-seed Δ: spread"):
        table.add_column(column)
    for metric in metrics:
        table.add_row(
            LABELS[metric],
            format_delta(seeds["pooled"][metric]["vs_base"], metric),
            format_spread(seeds["spread"][metric]["delta_vs_base"], metric),
        )
    return table


def _check_real_queries(path: Path, folder: Path) -> None:
    """Fail now, before any stage, on a real-query file that cannot be read; say loudly when the
    domain maps none of its categories to intents (intent served is then not measured)."""
    from answers import RealQueriesError
    from answers._real_queries import read_real_queries
    from synth import load_domain

    try:
        rows = read_real_queries(path)
    except RealQueriesError as exc:
        raise fail(str(exc)) from None
    domain = load_domain(folder)
    if not domain.intents:
        raise fail(f"--real-queries needs a domain with intents/ (the intent finder); {folder.name} has a source")
    mapping = domain.real_query_intents
    mapped = sum(r["category"] in mapping for r in rows)
    if not mapped:
        message = (
            f"none of the categories in {path} is mapped in {folder / 'real_queries.yaml'}: real queries are judged, "
            "but 'intent served' is not measured"
        )
        console.print(Text.assemble(("warning:", "bold yellow"), " ", message))


def _print_summary(runs: list[dict]) -> None:
    """One table per run, a row per metric (any number of metrics and contestants stays readable):
    each contestant's mean [95% CI], and each contestant minus base [CI] with its Holm-adjusted p;
    then the real queries' table where the run has them."""
    from leaderboard import METRICS, REAL_METRICS

    for run in runs:
        n = run["n_samples"]
        title = (
            f"{run['config']['model']['spec']} / {run['config']['recipe']['name']}: mean [95% CI, resampling "
            f"{n['clusters']} intents of {n['test_items']} test items]; Δ = minus base on the same items"
        )
        console.print(_metric_table(title, run, METRICS))
        if run.get("train_seeds"):
            console.print(_seeds_table(run["train_seeds"], METRICS))
        real = run.get("real_queries")
        if real:
            n = real["n_samples"]
            title = (
                f"real queries: mean [95% CI, resampling {n['clusters']} categories of {n['test_items']} queries], "
                f"no references; judge: {real['judge']['protocol']}"
            )
            console.print(_metric_table(title, real, REAL_METRICS))
    for run in runs:
        got = run.get("retrieval")
        if got:
            console.print(
                f"retrieval: recall@{got['k']} {got['recall_at_k']} over {got['items']} test items "
                f"({got['index']['passages']} passages, {got['index']['engine']})"
            )
        pair = run["pairwise"].get("tuned vs base")
        if pair and pair["n"]:
            console.print(
                f"{run['config']['model']['spec']}: pairwise tuned vs base {pair['wins']} wins / "
                f"{pair['ties']} ties / {pair['losses']} losses ({pair['unscored']} unscored), "
                f"adjusted win rate {pair['win_rate_adjusted']:.2f}"
            )
        judge = run["judge"]
        print_judge_notes(judge["model"], judge["calibration"], run["warnings"], judge.get("requests"))
