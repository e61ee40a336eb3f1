"""The judge stage in the store: keyed by the answers it scores (each answers stage's key and the
hash of its answers), the judge and the judge settings. A killed run keeps its judgments and
continues where it stopped; a run whose judge failed on some requests keeps a resumable partial
folder, and the next run retries only those."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import synth
from judge._client import JudgeEndpoint, reusable
from judge._run import JudgeSettings
from judge._run import run as judge_run

from ._store import Unfinished, atomic_output, code_hash, home, is_complete, read_manifest, stable_hash
from ._synth_stage import StageOutput

# The code that decides a judgment from its request: the client (options, output extraction) and the
# protocols' templates, options and parsers. A change elsewhere in judge/ (calibration, scores, policy)
# re-keys the stage but leaves its judgments reusable.
PROTOCOL_CODE = ("judge/_client.py", "judge/_rubric.py", "judge/_single.py", "judge/_pairwise.py", "judge/_requests.py")


def protocol_code() -> str:
    return code_hash(*PROTOCOL_CODE)


def earlier_judgments(domain: str, material: dict) -> dict[str, dict]:
    """Every judgment of this domain's finished judge stages (synthetic test and real queries) made by
    the same judge with the same protocol code, by request fingerprint: a new stage (another set of
    contestants, more judged items) asks the judge only what it was never asked."""
    found: dict[str, dict] = {}
    root = home() / domain
    want = (stable_hash(material["judge"]), material["protocol_code"])
    for folder in sorted([*root.glob("judge-*"), *root.glob("real-judge-*")]):
        inputs = (read_manifest(folder) or {}).get("inputs") or {}
        same = (stable_hash(inputs.get("judge")), inputs.get("protocol_code")) == want
        if same and (folder / "judgments.jsonl").is_file():
            found.update(reusable(synth.read_jsonl(folder / "judgments.jsonl"), folder.name))
    return found


def answers_digest(records: list[dict]) -> str:
    return stable_hash([r.get("answer") for r in records])


def judge_material(
    domain: synth.Domain, rows: list[dict], answers: dict[str, StageOutput], settings: JudgeSettings, judge: dict
) -> dict:
    """What decides the scores: the domain's files (policy sheet, checks), the items and their
    references, the answers, the judge and its settings, and the code."""
    references = [[r["id"], r["response"]] for r in rows]
    return {
        "stage": "judge",
        "domain_files": domain.files_hash,
        "references": stable_hash(references),
        "answers": {
            name: {"key": out.key, "answers": answers_digest(out.result["records"])} for name, out in answers.items()
        },
        "settings": asdict(settings),
        "judge": judge,
        "code": code_hash("judge", "leaderboard/_stats.py"),  # calibration's CIs come from _stats
        "protocol_code": protocol_code(),  # which earlier judgments may be reused (earlier_judgments)
    }


def run_judge_stage(
    domain: synth.Domain,
    rows: list[dict],
    answers: dict[str, StageOutput],
    endpoint_factory,
    judge_identity: dict,
    settings: JudgeSettings,
    out: Path | None = None,
    progress=None,
) -> StageOutput:
    """`answers`: contestant name -> its answers stage output (with records). `endpoint_factory()`
    is a context manager yielding a JudgeEndpoint (it may start a server)."""
    material = judge_material(domain, rows, answers, settings, judge_identity)
    key = stable_hash(material)
    folder = Path(out) if out else home() / domain.name / f"judge-{key[:12]}"
    if is_complete(folder, key):
        return StageOutput(folder, key, reused=True)
    records = {name: out.result["records"] for name, out in answers.items()}

    reuse = earlier_judgments(domain.name, material)

    def judge(endpoint: JudgeEndpoint, work: Path, summary: dict) -> dict:
        result = judge_run(domain, rows, records, endpoint, work, settings, progress, reuse)
        keep = ("items", "judged_items", "identical_fraction", "warnings", "judge_requests", "reused_judgments",
                "wall_seconds")  # fmt: skip
        summary.update({k: result[k] for k in (*keep, "process_peak_rss_mb")})
        summary["calibration_passed"] = result["calibration"]["passed"]
        return result

    return judged_stage(folder, "judge", key, material, endpoint_factory, judge)


def judged_stage(folder: Path, stage: str, key: str, material: dict, endpoint_factory, judge) -> StageOutput:
    """Run `judge(endpoint, work, summary) -> result` in a resumable stage folder, with the endpoint
    that `endpoint_factory()` yields. A result whose judge failed on some requests keeps the partial
    folder (its judgments.jsonl) for the next run to complete, and is returned as incomplete."""
    summary: dict = {}
    with atomic_output(
        folder, stage, key, material, resumable=True, summary=summary, resume_marker="judgments.jsonl"
    ) as work:
        with endpoint_factory() as endpoint:
            assert isinstance(endpoint, JudgeEndpoint)
            result = judge(endpoint, work, summary)
        if result["judge_requests"]["error"]:
            raise Unfinished
    if result["judge_requests"]["error"]:
        return StageOutput(work, key, reused=False, result=result, complete=False)
    return StageOutput(folder, key, reused=False, result=result)
