"""The example domains' sample generators: the default seed rewrites the shipped sample byte for byte,
and another seed writes another file of the same columns (what `bench run DOMAIN --source` is run on)."""

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _columns(path: Path) -> tuple[list[str], list[dict]]:
    if path.suffix == ".csv":
        with path.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
    else:
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return sorted(rows[0]), rows


@pytest.mark.parametrize(
    "domain, name", [("evidence_qa", "evidence_qa.csv"), ("finance_instruct", "finance_instruct.jsonl")]
)
def test_sample_generator_reproduces_the_shipped_file_and_another_seed_differs(tmp_path, domain, name):
    script = ROOT / "benchmarks" / domain / "sample" / "generate.py"
    shipped = script.with_name(name)
    same, other = tmp_path / f"same{shipped.suffix}", tmp_path / f"other{shipped.suffix}"
    subprocess.run([sys.executable, str(script), "--out", str(same)], check=True, capture_output=True)
    subprocess.run([sys.executable, str(script), "--seed", "7", "--out", str(other)], check=True, capture_output=True)
    assert same.read_bytes() == shipped.read_bytes()
    columns, rows = _columns(other)
    shipped_columns, shipped_rows = _columns(shipped)
    assert columns == shipped_columns
    assert len(rows) == len(shipped_rows)
    assert rows != shipped_rows
