"""Real customer queries as items to answer: a seeded sample of a `text,category` CSV (such as
Banking77's), each row asked exactly as the domain's own questions are (the domain's system prompt,
then the query as the user turn) but with no reference answer. Each item carries its CSV
category and the intents that serve it (the domain's real_queries.yaml), for "intent served"."""

from __future__ import annotations

import csv
import random
from pathlib import Path

REQUIRED = ("text", "category")
DEFAULT_REAL_ITEMS = 200
TASK = "real_query"


class RealQueriesError(ValueError):
    """A real-query file that cannot be read: the message names the file and, where it can, the line."""

    def __init__(self, path: Path, message: str, line: int | None = None):
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {message}")


def read_real_queries(path: Path) -> list[dict]:
    """Every row of the CSV as {"line", "text", "category"}; a missing column, an empty text or an
    unreadable file is a RealQueriesError naming it."""
    path = Path(path)
    rows: list[dict] = []
    reader = None
    try:
        # utf-8-sig: a file saved with a byte-order mark (as spreadsheet programs do) reads the same
        with path.open(newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
            if missing:
                raise RealQueriesError(path, f"needs the columns text,category (missing: {', '.join(missing)})", 1)
            for row in reader:
                line = reader.line_num
                text, category = (row.get("text") or "").strip(), (row.get("category") or "").strip()
                if not text or not category:
                    raise RealQueriesError(path, f"empty {'text' if not text else 'category'}", line)
                rows.append({"line": line, "text": text, "category": category})
    except FileNotFoundError:
        raise RealQueriesError(path, "file not found") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        line = reader.line_num if reader is not None else None
        raise RealQueriesError(path, f"not a readable UTF-8 CSV ({exc})", line or None) from None
    except OSError as exc:  # a folder, no permission
        raise RealQueriesError(path, f"cannot be read ({exc.strerror or exc})") from None
    if not rows:
        raise RealQueriesError(path, "has no rows")
    return rows


def real_query_items(path: Path, domain, n: int | None = DEFAULT_REAL_ITEMS, seed: int = 0) -> list[dict]:
    """A seeded simple random sample of n rows (all when n is None or larger), in file order, as
    items: id `real:<line>`, the query, its category, the intents that serve it (empty when
    real_queries.yaml does not map the category) and the chat messages a contestant is asked."""
    rows = read_real_queries(path)
    if n and n < len(rows):
        keep = set(random.Random(f"real-queries:{seed}").sample(range(len(rows)), n))
        rows = [r for i, r in enumerate(rows) if i in keep]
    return [
        {
            "id": f"real:{r['line']}",
            "query": r["text"],
            "category": r["category"],
            "serving_intents": list(domain.real_query_intents.get(r["category"], ())),
            "task": TASK,
            "messages": [
                {"role": "system", "content": domain.system_prompt},
                {"role": "user", "content": r["text"]},
            ],
            "instruction": r["text"],  # the Alpaca prompt format's fields
            "input": "",
        }
        for r in rows
    ]
