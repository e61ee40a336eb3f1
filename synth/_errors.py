"""The one error type bad domain input raises: it names the file, line and field."""

from __future__ import annotations

from pathlib import Path


class DomainError(ValueError):
    """A domain's data files are missing, malformed or inconsistent."""

    def __init__(self, file: Path | str | None, message: str, line: int | None = None, field: str | None = None):
        self.file = Path(file) if file is not None else None
        self.line = line
        self.field = field
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ""
        if self.file is not None:
            where = str(self.file) + (f":{self.line}" if self.line else "") + ": "
        field = f"{self.field}: " if self.field else ""
        return f"{where}{field}{self.message}"
