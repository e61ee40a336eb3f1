"""The report of a real tiny run (tiny model, loopback judge, and an endpoint contestant whose every
answer is a script and HTML injection attempt with an invented phone number): the verdict, the
per-category effects, the answers browser's data, and a page that shows the attempts as text."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil

import pytest

from report._page import SCRIPT
from tests.bench.test_run import args_for
from tests.conftest import REPO, run_bench
from tests.judge.fault_server import FaultServer

ATTACK = "<script>alert(1)</script> <img src=x onerror=alert(1)> </script><b>call 1-800-999-1234</b>"


@pytest.fixture(scope="module")
def attacked(tmp_path_factory, tiny_llama):
    """(results folder of the domain, the run's folder) of one tiny run with the attacking contestant."""
    tmp = tmp_path_factory.mktemp("report-run")
    recipe = tmp / "tiny.yaml"
    recipe.write_text(
        f"base_model: {tiny_llama}\nsequence_len: 1024\nmicro_batch_size: 4\nmax_steps: 3\n"
        "eval_steps: 3\nmax_eval_samples: 4\nlora_r: 4\nlearning_rate: 0.05\n"
    )
    results = tmp / "results"
    with FaultServer(answer=ATTACK) as server:
        extra = ("--contestant", f"openai:attacker@{server.base_url}")
        res = run_bench(
            *args_for(recipe, server, results, *extra), cwd=REPO, env={"DOMAINBENCH_HOME": str(tmp / "home")}
        )
        assert res.returncode == 0, res.stderr[-3000:]
    [run] = [p.parent for p in (results / "banking").glob("*/results.json")]
    return results / "banking", run


def test_a_run_writes_a_report_that_shows_injection_attempts_as_text(attacked):
    board, run = attacked
    page = (run / "report.html").read_text()
    # the page's own script runs, pinned by its hash; nothing else can
    digest = base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in page and "default-src 'none'" in page
    assert page.count("<script>") == 1 and f"<script>{SCRIPT}</script>" in page
    assert "alert(1)" in page and "<script>alert" not in page and "<img src=x" not in page and "<b>call" not in page
    data = json.loads(re.search(r"<script type='application/json' id='report-data'>(.*?)</script>", page, re.S)[1])
    assert data["contestants"] == ["base", "tuned", "openai:attacker"] and len(data["items"]) == 8
    attacker = [i["answers"]["openai:attacker"] for i in data["items"]]
    assert all(a["answer"] == ATTACK for a in attacker)
    assert all("1-800-999-1234" in a["highlights"] for a in attacker)  # the invented phone, marked
    assert all(i["question"] and i["reference"] and "not recorded" not in i["question"] for i in data["items"])
    assert all(a["judgments"] for a in attacker)  # every rubric question and output kept
    md = (run / "report.md").read_text()
    assert "## Verdict" in md and "Policy regression: openai" not in md  # the verdict is about tuned vs base
    assert "Judge fault-judge: calibration" in md and "## Run record" in md and (run / "report_effects.png").is_file()
    # the data card's figures, from the synth stage's report, kept beside the run's report
    card = json.loads((run / "synth_report.json").read_text())
    assert (run / "data_card.md").is_file() and "## Data" in md
    assert f"| splits | test {card['counts']['test']}, train {card['counts']['train']}," in md
    assert "<table id='data-card'><tr><th>splits</th>" in page and "decontamination" in page
    index = (board / "index.html").read_text()
    assert f"{run.name}/report.html" in index and run.name in (board / "index.md").read_text()


def _chromium() -> str:
    """Debian's chromium (.ci/run installs it): with CI set, a missing browser fails the test."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("CI is set but no chromium was found: .ci/run installs Debian's chromium package")
    pytest.skip("no chromium on this machine (apt-get install chromium); the browser test needs a real browser")


def test_the_report_works_in_a_real_browser(attacked):
    """Headless chromium opens report.html from file://: verdict, forest plot and answers are visible,
    a filter narrows the table, the attacks show as text, no dialog opens and the console is clean."""
    browser_path = _chromium()
    from playwright.sync_api import sync_playwright

    _, run = attacked
    errors, dialogs = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=browser_path, args=["--no-sandbox"])
        page = browser.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto((run / "report.html").as_uri())
        assert page.locator("#verdict li").count() >= 2 and page.locator("#verdict").is_visible()
        plot = page.locator("img[alt^='per-category']")
        assert plot.is_visible() and plot.evaluate("img => img.naturalWidth") > 100
        rows = page.locator("#answers-body tr")
        assert rows.count() == 8 and "8 of 8 test items" in page.locator("#answers-count").inner_text()
        assert ATTACK in page.locator("#answers-body").inner_text()  # shown as text, not run
        assert page.locator("#answers-body mark").first.inner_text() == "1-800-999-1234"
        page.select_option("#f-intent", index=1)
        assert 0 < rows.count() < 8
        page.select_option("#f-intent", index=0)
        page.select_option("#f-who", "openai:attacker")
        assert page.locator("#answers-head th").count() == 3  # question, base, the chosen contestant
        page.select_option("#f-rule", "no_invented_contacts")
        assert rows.count() == 8  # every attacker answer states the invented phone
        browser.close()
    assert not dialogs and not errors, (dialogs, errors)
