"""The demo's HTML report: one self-contained file (inline CSS, no scripts, no external URL)."""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Any

from .timeline import Entry

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem auto;max-width:1100px;color:#1b1f24}
h1{font-size:1.6rem}h2{margin-top:2rem;border-bottom:1px solid #d0d7de;padding-bottom:.3rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border:1px solid #d0d7de;padding:.3rem .5rem;
text-align:left;vertical-align:top}th{background:#f6f8fa}code,pre{font:12px ui-monospace,monospace}
pre{background:#f6f8fa;padding:.5rem;overflow:auto;max-height:16rem}
.sev-critical{color:#fff;background:#a40e26}.sev-high{background:#ffb3b3}.sev-medium{background:#ffe8a3}
.sev-low{background:#dff0d8}.sev-informational{background:#eef}.k-event{color:#57606a}.ok{color:#1a7f37}
.bad{color:#cf222e}.unavail{background:#fff8c5;padding:.5rem;border:1px solid #d4a72c}
"""


def _cell(v: Any) -> str:
    return escape(v if isinstance(v, str) else json.dumps(v, indent=1, sort_keys=True, default=str))


def _table(head: list[str], rows: list[list[str]]) -> str:
    th = "".join(f"<th>{escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


def render(doc: dict[str, Any], timeline: list[Entry], scenarios: list[dict[str, Any]]) -> str:
    """HTML for the §6 document ``doc``, the full timeline and per-scenario notes (response availability)."""
    parts = ["<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
             "<title>aidr demo report</title>", f"<style>{_CSS}</style></head><body>",
             "<h1>aidr demo: detection and response on an emulated AI account</h1>",
             "<p>Every step below ran the real template rules, handlers and state machines in process against an "
             "emulated AWS account (moto). No AWS account or network was used.</p>"]
    parts.append("<h2>Scenarios</h2>")
    parts.append(_table(["scenario", "story", "findings", "containment"], [
        [escape(s["name"]), escape(s["story"]), str(s["findings"]),
         escape(s["response"]) if s.get("response_ok") else f"<span class='unavail'>{escape(s['response'])}</span>"]
        for s in scenarios]))

    parts.append("<h2>Timeline</h2>")
    parts.append(_table(["scenario", "time (UTC)", "what", "detail"], [
        [escape(e.scenario), escape(e.at), f"<span class='k-{escape(e.kind)}'>{escape(e.kind)}</span>: "
         f"{escape(e.text)}", f"<pre>{_cell(e.data)}</pre>" if e.data else ""]
        for e in timeline]))

    parts.append("<h2>Findings</h2>")
    parts.append(_table(["severity", "category", "detector", "principal", "first seen", "events", "title",
                         "evidence"], [
        [f"<span class='sev-{escape(f['severity'])}'>{escape(f['severity'].upper())}</span>", escape(f["category"]),
         escape(f["detector"]), escape((f.get("principal") or {}).get("arn") or "-"), escape(f["first_seen"]),
         str(len(f["event_ids"])), escape(f["title"]), f"<pre>{_cell(f['evidence'])}</pre>"]
        for f in doc["findings"]]))

    parts.append("<h2>Containment actions</h2>")
    rows = [[escape(ex["playbook"]), escape(ex["status"]), escape(a["action"]), escape(a["target"]),
             f"<pre>{_cell(a.get('changes') or '')}</pre>", _yes(a["applied"]), _yes(a["verified"]), _yes(a["undone"])]
            for ex in doc["executions"] for a in ex["actions"]]
    if rows:
        parts.append(_table(["playbook", "run", "action", "target", "planned change", "applied", "verified",
                             "undone"], rows))
    else:
        parts.append("<p class='unavail'>No containment action ran (see the scenarios table for why).</p>")
    if doc.get("changes"):
        parts.append("<h3>What containment changed in the account (read back before and after)</h3>")
        parts.append(_table(["scenario", "resource", "before", "after containment"], [
            [escape(c["scenario"]), escape(c["resource"]), f"<pre>{_cell(c['before'])}</pre>",
             f"<pre>{_cell(c['after'])}</pre>"] for c in doc["changes"]]))
    rb = doc.get("rollback")
    parts.append("<h2>Rollback</h2><p>" + (
        "not run" if rb is None else
        f"<span class='{'ok' if rb.get('verified') else 'bad'}'>account "
        f"{'verified as before' if rb.get('verified') else 'NOT as before'}</span>") + "</p>")
    parts.append("<h2>Response document (contracts.md §6)</h2>")
    parts.append(f"<pre>{_cell({k: v for k, v in doc.items() if k != 'findings'})}</pre>")
    parts.append("</body></html>\n")
    return "".join(parts)


def _yes(v: bool) -> str:
    return "<span class='ok'>yes</span>" if v else "no"


def write_report(directory: str | Path, html: str) -> Path:
    path = Path(directory) / "index.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path
