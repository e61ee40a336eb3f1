"""The report page: static HTML that works from file:// offline. Safe to open: every string is
escaped, the data travels as JSON in a non-executed script block (never as HTML), and a
Content-Security-Policy lets run only the report's own script and style, pinned by their sha256
(no network, no other script, no fetch)."""

from __future__ import annotations

import base64
import hashlib
import html
import json
from pathlib import Path

SCRIPT = (Path(__file__).parent / "_script.js").read_text(encoding="utf-8")
STYLE = (
    "body{font-family:sans-serif;margin:1.5em;max-width:1400px}table{border-collapse:collapse;font-size:13px}"
    "th,td{border:1px solid #ccc;padding:4px 6px;text-align:left;vertical-align:top}th{background:#eee}"
    ".meta{color:#666;font-size:11px}.question{font-weight:bold}.reference{color:#333;margin-top:4px}"
    ".answer{white-space:pre-wrap}.scores{color:#444;font-size:11px;margin-top:3px}"
    ".failure{color:#a00;font-size:11px}mark{background:#f9c74f}.verdict li{margin:3px 0}"
    ".judgment{font-size:11px;color:#333}img{max-width:100%}"
)


def _sha(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()


def csp() -> str:
    return (
        "default-src 'none'; img-src data:; "
        f"style-src 'sha256-{_sha(STYLE)}'; script-src 'sha256-{_sha(SCRIPT)}'; "
        "base-uri 'none'; form-action 'none'"
    )


def _json_block(data: dict) -> str:
    # "<" as \u003c: no answer can close the block (</script>) or open a comment in it
    return json.dumps(data, ensure_ascii=False).replace("<", "\\u003c")


def page(
    title: str,
    verdict: list[str],
    effects_png: bytes | None,
    record_rows: list[tuple[str, str]],
    data: dict,
    data_rows: list[tuple[str, str]] = (),
) -> str:
    e = html.escape
    encoded = base64.b64encode(effects_png).decode() if effects_png else ""
    plot = (
        f"<p><img alt='per-category effects, 95% CI' src='data:image/png;base64,{encoded}'></p>"
        if effects_png
        else "<p>No per-category effects (no base and tuned in this run).</p>"
    )
    record = "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in record_rows)
    card = "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in data_rows)
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<meta http-equiv='Content-Security-Policy' content=\"{e(csp(), quote=False)}\">"
        f"<title>{e(title)}</title><style>{STYLE}</style></head><body>"
        f"<h1>{e(title)}</h1><h2>Verdict</h2><ul class='verdict' id='verdict'>"
        + "".join(f"<li>{e(line)}</li>" for line in verdict)
        + "</ul><h2>Where it is better or worse (per category)</h2>"
        + plot
        + "<h2>Answers</h2><p>"
        "<label>intent <select id='f-intent'></select></label> "
        "<label>failing rule <select id='f-rule'></select></label> "
        "<label>contestant <select id='f-who'></select></label> "
        "<label>order <select id='f-sort'><option value=''>test order</option>"
        "<option value='diff'>largest cosine difference to base</option></select></label> "
        "<span id='answers-count'></span></p>"
        "<table id='answers'><thead><tr id='answers-head'></tr></thead><tbody id='answers-body'></tbody></table>"
        f"<h2>Data</h2><table id='data-card'>{card}</table>"
        f"<h2>Run record</h2><table>{record}</table>"
        f"<script type='application/json' id='report-data'>{_json_block(data)}</script>"
        f"<script>{SCRIPT}</script></body></html>\n"
    )
