"""A picture of a report page, for the README: Debian's chromium, headless, driven by Playwright
(pointed at the system browser; `playwright install` would download one and fails offline)."""

from __future__ import annotations

import shutil
from pathlib import Path


def find_chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def screenshot(page_path: Path, out: Path, width: int = 1400, height: int = 1800) -> Path:
    """The top `height` pixels of the page at `width`, as PNG; raises RuntimeError without a browser."""
    browser_path = find_chromium()
    if not browser_path:
        raise RuntimeError("no chromium found (apt-get install chromium) to take the report's screenshot")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=browser_path, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": width, "height": height})
        page.goto(Path(page_path).resolve().as_uri())
        page.screenshot(path=str(out))
        browser.close()
    return out
