"""The assessment as one self-contained HTML page (inline CSS, no scripts, no external assets).

Reading order: where the account stands (phase reached per layer), the heat map, what to do next (roadmap),
then every result. Colours always come with words, so the page reads without them.
"""

from __future__ import annotations

from html import escape

from ..model import PHASES
from ..report import Assessment, cell_state
from .common import STATE_LABEL, sorted_entries

CSS = """
body{font:15px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1200px;
color:#1d2330;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{margin-top:2rem;border-bottom:1px solid #dde;padding-bottom:.3rem}
.muted{color:#5b6475}table{border-collapse:collapse;width:100%;margin:.6rem 0}
th,td{border:1px solid #d5d9e2;padding:.45rem .6rem;text-align:left;vertical-align:top}th{background:#f3f5f9}
td.met{background:#cfeed6}td.gaps{background:#f7c6c2}td.unknown{background:#fbe7b5}td.na{background:#eceff3}
.cell b{display:block}.cell small{color:#3b4252}
.status{font-weight:600;padding:.1rem .4rem;border-radius:.3rem;white-space:nowrap}
.PASS{background:#cfeed6}.FAIL{background:#f7c6c2}.COULD_NOT_ASSESS{background:#fbe7b5}.NOT_APPLICABLE{background:#eceff3}
.reached{font-size:1.1rem}.legend span{margin-right:1rem}code{font-size:.9em}
"""

CELL_CLASS = {"met": "met", "gaps": "gaps", "unknown": "unknown", "n/a": "na"}


def _t(s: object) -> str:
    return escape("-" if s is None else str(s))


def to_html(a: Assessment) -> str:
    c = a.counts()
    doc = a.to_json()
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width,initial-scale=1">',
        f"<title>aidr assessment {_t(a.account)}</title><style>{CSS}</style></head><body>",
        f"<h1>AI security assessment: account {_t(a.account)}</h1>",
        f'<p class="muted">Generated {_t(doc["generated_at"])} over {_t(", ".join(a.regions))}. '
        f"{c['PASS']} passed, {c['FAIL']} failed, {c['NOT_APPLICABLE']} not applicable, "
        f"{c['COULD_NOT_ASSESS']} could not be assessed.</p>",
        "<h2>Where you stand</h2>",
        "<p>A phase is reached in a layer when every applicable check of that phase passes and the previous phase "
        "is reached.</p>",
        '<table id="phase-reached"><tr><th>Layer</th><th>Phase reached</th></tr>',
    ]
    parts += [f'<tr><td>{_t(layer)}</td><td class="reached">{_t(phase)}</td></tr>'
              for layer, phase in a.phase_reached.items()]
    parts += ["</table>", "<h2>Heat map</h2>",
              '<p class="legend"><span class="status PASS">met</span><span class="status FAIL">gaps</span>'
              '<span class="status COULD_NOT_ASSESS">not assessable</span>'
              '<span class="status NOT_APPLICABLE">not applicable</span></p>',
              '<table id="heat-map"><tr><th>Layer</th>' + "".join(f"<th>{p}</th>" for p in PHASES) + "</tr>"]
    for layer, phases in a.heat_map.items():
        row = [f"<tr><th>{_t(layer)}</th>"]
        for phase in PHASES:
            n = phases[phase]
            state = cell_state(n)
            row.append(f'<td class="cell {CELL_CLASS[state]}" data-layer="{_t(layer)}" data-phase="{phase}">'
                       f"<b>{STATE_LABEL[state]}</b><small>{n['PASS']} pass · {n['FAIL']} fail · "
                       f"{n['COULD_NOT_ASSESS']} unknown · {n['NOT_APPLICABLE']} n/a</small></td>")
        parts.append("".join(row) + "</tr>")
    parts += ["</table>", "<h2>Roadmap</h2>",
              "<p>Failed checks, the next phase of each layer first, then by risk (severity &times; exposure).</p>"]
    if a.roadmap:
        parts.append('<table id="roadmap"><tr><th>#</th><th>Control</th><th>Layer / phase</th><th>Resource</th>'
                     "<th>Why and how</th></tr>")
        for item in a.roadmap:
            e = item.entry
            parts.append(f"<tr><td>{item.priority}</td><td>{_t(e.meta.title)}<br><code>{_t(e.meta.id)}</code></td>"
                         f"<td>{_t(e.meta.layer)} / {_t(e.meta.phase)}<br>{_t(e.meta.severity)}</td>"
                         f"<td><code>{_t(e.result.resource or e.result.region)}</code></td>"
                         f"<td>{_t(item.why)}</td></tr>")
        parts.append("</table>")
    else:
        parts.append("<p>No failed checks.</p>")
    parts += ["<h2>All checks</h2>", '<table id="checks"><tr><th>Status</th><th>Check</th><th>Layer</th>'
              "<th>Phase</th><th>Severity</th><th>Resource</th><th>Reason</th><th>References</th></tr>"]
    for e in sorted_entries(a):
        refs = "; ".join(f"{k}: {', '.join(v)}" for k, v in e.meta.references.items() if v)
        parts.append(f'<tr><td><span class="status {e.result.status}">{e.result.status}</span></td>'
                     f"<td>{_t(e.meta.title)}<br><code>{_t(e.meta.id)}</code></td><td>{_t(e.meta.layer)}</td>"
                     f"<td>{_t(e.meta.phase)}</td><td>{_t(e.meta.severity)}</td>"
                     f"<td><code>{_t(e.result.resource)}</code></td><td>{_t(e.result.reason)}</td>"
                     f"<td>{_t(refs or None)}</td></tr>")
    parts += ["</table>", "</body></html>"]
    return "\n".join(parts) + "\n"
