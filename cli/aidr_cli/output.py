"""Render findings: JSON lines, one JSON document, or a readable table."""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from typing import TextIO

import orjson
from aidr.findings.model import SEVERITY_ORDER, Finding


def write_jsonl(findings: Iterable[Finding], out: TextIO) -> None:
    for f in findings:
        out.write(orjson.dumps(f.to_json_dict()).decode() + "\n")


def write_json(findings: Iterable[Finding], out: TextIO, extra: dict | None = None) -> None:
    doc = {"findings": [f.to_json_dict() for f in findings], **(extra or {})}
    out.write(orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode() + "\n")


def _cell(s: str, width: int) -> str:
    return s if len(s) <= width else s[: max(width - 1, 0)] + "…"


def principal_label(f: Finding) -> str:
    if f.principal is None or not f.principal.arn:
        return "-"
    arn = f.principal.arn
    return arn.split(":", 5)[-1] if arn.startswith("arn:") else arn


def write_table(findings: list[Finding], out: TextIO, width: int | None = None) -> None:
    if not findings:
        out.write("No findings.\n")
        return
    width = width or shutil.get_terminal_size((140, 20)).columns
    rows = [
        (
            f.severity.upper(),
            f.category,
            principal_label(f),
            f.first_seen.strftime("%Y-%m-%d %H:%M:%S"),
            str(len(f.event_ids)),
            f.title,
        )
        for f in sorted(findings, key=lambda f: (-SEVERITY_ORDER[f.severity], f.first_seen))
    ]
    head = ("SEVERITY", "CATEGORY", "PRINCIPAL", "FIRST SEEN (UTC)", "EVENTS", "TITLE")
    fixed = [max(len(r[i]) for r in [head, *rows]) for i in range(5)]
    fixed[2] = min(fixed[2], 40)
    title_w = max(width - sum(fixed) - 2 * 5, 20)
    widths = [*fixed, title_w]
    line = "  ".join(_cell(h, w).ljust(w) for h, w in zip(head, widths, strict=True))
    out.write(line.rstrip() + "\n" + "  ".join("-" * w for w in widths) + "\n")
    for r in rows:
        out.write("  ".join(_cell(c, w).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() + "\n")
