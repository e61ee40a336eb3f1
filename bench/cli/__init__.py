"""The `bench` command line: one module per subcommand."""

from __future__ import annotations

import signal

import typer

from judge._errors import JudgeUnavailable, ScoreFileError
from leaderboard._errors import LeaderboardError
from synth import DomainError
from train import TrainError

from .._store import StoreError
from . import _data, _judge, _leaderboard, _list, _new, _recipe, _run, _score, _synth, _train, _validate, _verifier
from ._common import EXIT_BAD_INPUT, err_console

app = typer.Typer(
    name="bench",
    help="domainbench: synthetic domain data -> QLoRA -> judged base vs tuned comparison.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
app.command("run")(_run.run_command)
app.command("leaderboard")(_leaderboard.leaderboard_command)
app.command("list")(_list.list_domains)
app.command("validate")(_validate.validate)
app.command("synth")(_synth.synth_command)
app.command("train")(_train.train_command)
app.command("judge")(_judge.judge_command)
app.command("score")(_score.score_command)
app.command("new")(_new.new_domain)
app.add_typer(_data.app, name="data")
app.add_typer(_recipe.app, name="recipe")
app.add_typer(_verifier.app, name="verifier")


def _terminate(signum, frame) -> None:
    raise SystemExit(128 + signum)  # unwinds: the judge server is stopped, unfinished outputs tidied


def main() -> None:
    signal.signal(signal.SIGTERM, _terminate)
    try:
        app()
    except (DomainError, StoreError, TrainError, JudgeUnavailable, LeaderboardError, ScoreFileError) as exc:
        err_console.print(f"error: {exc}", soft_wrap=True, markup=False, style="red")
        raise SystemExit(EXIT_BAD_INPUT) from None
