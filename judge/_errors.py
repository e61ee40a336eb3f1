"""The error a judge that cannot be reached raises (kept apart so the CLI can catch it without
importing the HTTP client)."""


class JudgeUnavailable(RuntimeError):
    """The judge endpoint cannot serve chat completions: raised by `judge._client.preflight` (one line
    naming the base URL and what went wrong) and for a base URL the client cannot use. A failure in
    the middle of `run_judgments` is not raised: it becomes an "error" record for that request."""


class ScoreFileError(ValueError):
    """An answers file given to `bench score` has a bad row: one line naming the file, line and field."""
