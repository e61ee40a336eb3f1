"""The error a judge that cannot be reached raises (kept apart so the CLI can catch it without
importing the HTTP client)."""


class JudgeUnavailable(RuntimeError):
    """The judge endpoint could not be reached even after the retries."""


class LeaderboardError(RuntimeError):
    """A results file under results/DOMAIN/ cannot be read as a domainbench results file."""
