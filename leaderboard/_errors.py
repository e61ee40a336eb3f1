"""The error for a results file that cannot be read (kept apart so the CLI can catch it cheaply)."""


class LeaderboardError(RuntimeError):
    """A results file under results/DOMAIN/ cannot be read as a domainbench results file."""
