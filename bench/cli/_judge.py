"""`bench judge DOMAIN`: base vs tuned answers on the held-out test split, scored and judged."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table
from rich.text import Text

import synth

from .._domains import domain_dir
from .._synth_stage import run_synth_stage
from .._train_stage import recipe_path, run_train_stage
from ._common import SIZE_HELP, console, fail, interactive, progress_panel


def judge_choice(
    judge: str,
    base_url: str | None,
    structured: bool,
    verifier_recipe: Path | None = None,
    verifier_model: str | None = None,
):
    """The judge `--judge` names (bench/_judges.py), or the one-line error."""
    from .._judges import choose_judge

    try:
        return choose_judge(judge, base_url, structured, verifier_recipe, verifier_model)
    except ValueError as exc:
        raise fail(str(exc)) from None


JUDGE_HELP = (
    "'local' (the domain verifier: trained once from the dataset's train split, served by a llama.cpp server "
    "on 127.0.0.1 the harness starts and stops), a built-in model such as 'smollm2-135m' (the same server, "
    "untrained), or 'openai:MODEL' / 'openai:MODEL@BASE_URL' (key from OPENAI_API_KEY)."
)
PROTOCOL_HELP = "'rubric' (yes/no questions scored from logprobs, one answer at a time) or 'rating' (1-10)."


def judge_command(
    domain: str = typer.Argument(..., help="Domain name under benchmarks/, or a path to a domain folder."),
    recipe: str = typer.Option("default", help="Recipe of the adapter to judge (trained first if needed)."),
    model: str | None = typer.Option(None, help="Override the recipe's base_model."),
    seed: int = typer.Option(0, help="Seed of the dataset, and of the judge's per-sample order."),
    size: int | None = typer.Option(None, min=1, help=SIZE_HELP),
    judge: str = typer.Option("local", help=JUDGE_HELP),
    judge_protocol: str = typer.Option("rubric", help=PROTOCOL_HELP),
    judge_base_url: str | None = typer.Option(None, help="Any OpenAI-compatible endpoint (vLLM, Ollama, ...)."),
    judge_structured: bool = typer.Option(True, help="Send a JSON schema in response_format."),
    max_items: int | None = typer.Option(None, help="Answer and score a seeded spread of N test items (default: all)."),
    judge_items: int | None = typer.Option(
        None, help="Of those, send a seeded spread of N to the LLM judge (default: all)."
    ),
    max_new_tokens: int | None = typer.Option(
        None, help="Answer length cap, the same for every contestant. Default: twice the longest test reference."
    ),
    loop_guard: int = typer.Option(
        12, help="Local contestants never repeat a run of N tokens of their own answer (0: off)."
    ),
    pairwise: bool = typer.Option(False, help="Also judge base vs tuned pairwise, in both orders."),
    contestant: list[str] = typer.Option(
        [], help="Extra contestant behind an endpoint, openai:MODEL@BASE_URL (repeatable)."
    ),
) -> None:
    """Answer the held-out test split with the base and the tuned model and score both.

    Answers are a stage of their own (runs/DOMAIN/answers-KEY/), so another judge re-uses them.
    Scores: fact recall and wrong facts against the policy facts each reference states,
    cosine similarity to the reference (all-MiniLM-L6-v2), rule-based policy checks,
    truncation at the answer cap, the LLM judge's rubric scores (and pairwise verdicts if asked; every judgment
    kept in judgments.jsonl with its status), and the judge's calibration. A rerun sends no judge
    request twice; requests that failed are retried.

    \b
    Examples:
      bench judge banking --max-items 50
      bench judge banking --judge openai:gpt-4o-mini
      bench judge banking --judge openai:Qwen2.5-7B-Instruct \\
          --judge-base-url http://127.0.0.1:8000/v1
    """
    import answers
    import train
    from judge._run import JudgeSettings

    from .._pipeline import RunPlan, answer_and_judge

    bounded = (("--max-items", max_items), ("--judge-items", judge_items), ("--max-new-tokens", max_new_tokens))
    for name, value in bounded:
        if value is not None and value < 1:
            raise fail(f"{name} must be at least 1, got {value}")
    if loop_guard < 0:
        raise fail(f"--loop-guard must be 0 (off) or a number of tokens, got {loop_guard}")
    check_protocol(judge_protocol)
    extra = parse_contestants(contestant)
    choice = judge_choice(judge, judge_base_url, judge_structured)
    preflight(choice, extra)
    folder = domain_dir(domain)
    spec = train.load_recipe(recipe_path(folder, recipe)).with_overrides(base_model=model)
    loaded = synth.load_domain(folder)
    dataset = run_synth_stage(folder, synth.SynthSettings.for_domain(loaded, size, seed=seed))
    factory, identity = choice.resolve(loaded, dataset, progress=interactive())
    trained = run_train_stage(folder.name, dataset, spec, progress=interactive())
    plan = RunPlan(
        domain_dir=folder,
        seed=seed,
        size=size,
        max_items=max_items,
        generation=answers.GenerationSettings(max_new_tokens=max_new_tokens, loop_guard_ngram=loop_guard),
        contestants=extra,
        judge=JudgeSettings(judge_items=judge_items, pairwise=pairwise, seed=seed, protocol=judge_protocol),
    )
    console.print(f"judging {trained.path.name} with {identity} ...")
    with progress_panel() as track:
        output = answer_and_judge(
            synth.load_domain(folder), dataset, trained, spec, plan, factory, identity, track, console.print
        ).judged
    summary = output.result or json.loads((output.path / "judge_summary.json").read_text())
    _print_summary(output.path, summary, output.reused)


def _print_summary(path: Path, summary: dict, reused: bool) -> None:
    """The stage's figures as the results JSON computes them (leaderboard.metrics_section)."""
    from leaderboard import format_metric, metrics_section
    from leaderboard._results import supported_metrics

    section = metrics_section(path, metrics=supported_metrics(summary))  # no policy metrics without a policy sheet
    n = section["n_samples"]
    table = Table(
        title=f"{'reused ' if reused else ''}{path.name}: {n['test_items']} test items in {n['clusters']} intents, "
        "mean [95% CI over intents]"
    )
    columns = {"fact_recall": "fact recall", "fact_error": "wrong fact", "cosine": "cosine",
               "policy_pass": "policy pass", "judge_score": "judge score", "answer_tokens": "answer tokens",
               "truncated": "cut at cap", "loop_blocked": "loop guard"}  # fmt: skip
    table.add_column("contestant")
    for label in columns.values():
        table.add_column(label, justify="right")
    for name, metrics in section["results"].items():  # a skipped metric prints as n/a (format_metric of None)
        table.add_row(name, *(format_metric(metrics.get(m), m) for m in columns))
    console.print(table)
    pair = section["pairwise"].get("tuned vs base")
    if pair:
        console.print(
            f"pairwise (tuned vs base, both orders): {pair['wins']} wins / {pair['ties']} ties / "
            f"{pair['losses']} losses ({pair['unscored']} unscored)"
        )
    print_judge_notes(summary["judge"]["model"], summary["calibration"], summary["warnings"], summary["judge_requests"])
    console.print(f"wrote {path}")


def calibration_line(cal: dict) -> str:
    """One line: overall accuracy with its CI, the baselines', each held-out kind's, unscored rate."""

    def pct(d: dict) -> str:
        ci = d.get("ci95")
        return (
            f"{d['accuracy']:.2f}" + (f" [{ci[0]:.2f}, {ci[1]:.2f}]" if ci else "")
            if d["accuracy"] is not None
            else "n/a"
        )

    held = ", ".join(f"{k} {pct(cal['by_kind'][k])}" for k in cal["held_out_kinds"] if cal["by_kind"][k]["pairs"])
    bases = ", ".join(f"{name} {pct(b['overall'])}" for name, b in cal["baselines"].items())
    line = (
        f"accuracy {pct(cal['by_kind']['overall'])} on {cal['probe_rows']} probe rows (baselines: {bases}); "
        f"held-out kinds: {held}; unscored {cal['unscored_rate']:.0%}"
    )
    pos = cal.get("position_consistency")
    if pos and pos.get("consistency") is not None:
        line += f"; pairwise position consistency {pos['consistency']:.2f} on {pos['scored']} real pairs"
    return line


def print_judge_notes(judge_model: str, cal: dict, warnings: list[str], requests: dict | None = None) -> None:
    """How the judge's requests ended, its calibration (loudly when failed) and the run's warnings."""
    req = requests or {}
    kinds = ", ".join(f"{k} {n}" for k, n in (req.get("error_kinds") or {}).items())
    console.print(
        f"judge requests: {req.get('ok', 0)} ok, {req.get('unscored', 0)} unscored, {req.get('error', 0)} failed"
        + (f" ({kinds})" if kinds else "")
        + ("; run the same command again to retry the failures" if req.get("error") else "")
    )
    console.print(
        f"judge {judge_model}: calibration {'passed' if cal['passed'] else '[bold red]FAILED[/]'} "
        f"({calibration_line(cal)})" + ("" if cal["passed"] else ": its scores are not to be trusted")
    )
    for warning in warnings:
        console.print(Text.assemble(("warning:", "bold yellow"), " ", warning))


def check_protocol(protocol: str) -> None:
    from judge._requests import PROTOCOLS

    if protocol not in PROTOCOLS:
        raise fail(f"--judge-protocol must be one of {', '.join(PROTOCOLS)}, got '{protocol}'")


def preflight(choice, contestants: tuple) -> None:
    """One tiny request to every endpoint (judge and contestants) before any expensive stage, so a
    wrong URL, model name or key fails in seconds with one line (JudgeUnavailable, exit 2). A local
    judge is checked when its server starts."""
    from judge._client import preflight as check
    from judge._errors import JudgeUnavailable

    endpoints = [("contestant", c.endpoint(max_tokens=4)) for c in contestants]
    if choice.endpoint is not None:
        endpoints.insert(0, ("judge", choice.endpoint))
    for role, endpoint in endpoints:
        for attempt in range(3):  # a flaky proxy's one bad answer is not a dead endpoint
            try:
                # no client retries and 10 s at most a try: an endpoint that never answers fails in 30 s
                check(endpoint, timeout=min(endpoint.timeout, 10.0), max_retries=0)
                break
            except JudgeUnavailable as exc:
                if attempt == 2:
                    raise JudgeUnavailable(str(exc).replace("judge at", f"{role} at", 1)) from None


def parse_contestants(specs: list[str]) -> tuple:
    """--contestant values as RemoteContestants, or the one-line error naming the bad one."""
    from answers import parse_contestant

    try:
        return tuple(parse_contestant(c) for c in specs)
    except ValueError as exc:
        raise fail(f"--contestant: {exc}") from None
