"""The assessment as Markdown: phase reached, heat map, roadmap, then every result."""

from __future__ import annotations

from ..model import PHASES
from ..report import Assessment
from .common import STATE_LABEL, sorted_entries


def _esc(s: str | None) -> str:
    return (s or "-").replace("|", "\\|").replace("\n", " ")


def to_markdown(a: Assessment) -> str:
    c = a.counts()
    out = [f"# aidr assessment of account {a.account}", "",
           f"Generated {a.to_json()['generated_at']} over {', '.join(a.regions)}. "
           f"{c['PASS']} passed, {c['FAIL']} failed, {c['NOT_APPLICABLE']} not applicable, "
           f"{c['COULD_NOT_ASSESS']} could not be assessed.", "", "## Phase reached", "",
           "| Layer | Phase reached |", "|---|---|"]
    out += [f"| {layer} | {phase} |" for layer, phase in a.phase_reached.items()]
    out += ["", "## Heat map (layer x phase)", "", "| Layer | " + " | ".join(PHASES) + " |",
            "|---|" + "---|" * len(PHASES)]
    from ..report import cell_state

    for layer, phases in a.heat_map.items():
        row = []
        for phase in PHASES:
            n = phases[phase]
            row.append(f"{STATE_LABEL[cell_state(n)]} ({n['PASS']} pass, {n['FAIL']} fail, "
                       f"{n['COULD_NOT_ASSESS']} unknown, {n['NOT_APPLICABLE']} n/a)")
        out.append(f"| {layer} | " + " | ".join(row) + " |")
    out += ["", "## Roadmap", ""]
    if not a.roadmap:
        out.append("No failed checks.")
    for item in a.roadmap:
        e = item.entry
        out.append(f"{item.priority}. **{e.meta.title}** (`{e.meta.id}`, {e.meta.layer} / {e.meta.phase}, "
                   f"{e.meta.severity}) on `{e.result.resource or e.result.region or 'account'}`: {item.why}")
    out += ["", "## Checks", "", "| Status | Check | Layer | Phase | Severity | Resource | Reason |",
            "|---|---|---|---|---|---|---|"]
    for e in sorted_entries(a):
        out.append(f"| {e.result.status} | `{e.meta.id}` {_esc(e.meta.title)} | {e.meta.layer} | {e.meta.phase} | "
                   f"{e.meta.severity} | {_esc(e.result.resource)} | {_esc(e.result.reason)} |")
    return "\n".join(out) + "\n"
