"""`bench leaderboard DOMAIN`: every run's results.json -> leaderboard.md, .csv, .html and .png."""

from __future__ import annotations

from pathlib import Path

import typer

from ._common import console, fail


def leaderboard_command(
    domain: str = typer.Argument(..., help="Domain name: reads RESULTS/DOMAIN/*/results.json."),
    results: Path = typer.Option(Path("results"), help="Results folder that `bench run --out` wrote to."),
    screenshot: bool = typer.Option(
        False, help="Also save each report's first screen as RUN_ID/report.png (needs Debian's chromium)."
    ),
) -> None:
    """Aggregate all runs of a domain into its leaderboard.

    Writes RESULTS/DOMAIN/leaderboard.md (renders on a repository page), leaderboard.csv (one row
    per run, contestant and metric, with CIs and paired differences), a self-contained sortable
    leaderboard.html and leaderboard.png (each metric with its 95% CI, base vs tuned). Every row
    names the judge and whether it passed calibration. Also rewrites each run's report
    (RUN_ID/report.html, report.md) and the index of reports (index.html, index.md). `bench run`
    calls this at its end.

    \b
    Examples:
      bench leaderboard banking
      bench leaderboard banking --results /tmp/my-results
    """
    from leaderboard import write_leaderboard

    folder = results / Path(domain).name
    if not folder.is_dir():
        raise fail(f"no results for '{domain}' in {results} (run `bench run {domain}` first)")
    paths = write_leaderboard(folder)  # a bad results file: LeaderboardError, one line, exit 2
    from report import write_index, write_report

    for run in sorted(p.parent for p in folder.glob("*/scores.jsonl") if (p.parent / "results.json").is_file()):
        page = write_report(run)["html"]
        if screenshot:
            from report._screenshot import screenshot as take

            try:
                console.print(f"screenshot: {take(page, run / 'report.png')}")
            except RuntimeError as exc:
                raise fail(str(exc)) from None
    write_index(folder)
    console.print(paths["md"].read_text(), markup=False)
    console.print(f"wrote {', '.join(str(p) for p in paths.values())}")
