"""The error a judge that cannot be reached raises (kept apart so the CLI can catch it without
importing the HTTP client)."""


class JudgeUnavailable(RuntimeError):
    """The judge endpoint could not be reached even after the retries."""
