"""What the human-readable renderers share: labels, order and per-region splitting of merged results."""

from __future__ import annotations

from collections.abc import Iterator

from ..report import Assessment, Entry, cell_state

STATE_LABEL = {"met": "met", "gaps": "gaps", "unknown": "not assessable", "n/a": "not applicable"}
STATUS_ORDER = {"FAIL": 0, "COULD_NOT_ASSESS": 1, "PASS": 2, "NOT_APPLICABLE": 3}


def sorted_entries(a: Assessment) -> list[Entry]:
    return sorted(a.entries, key=lambda e: (STATUS_ORDER[e.result.status], -e.risk, e.meta.id))


def cells(a: Assessment) -> Iterator[tuple[str, str, dict[str, int], str]]:
    for layer, phases in a.heat_map.items():
        for phase, counts in phases.items():
            yield layer, phase, counts, cell_state(counts)


def regions_of(e: Entry, home: str) -> list[str]:
    """The regions of a result (merged region-level results name several)."""
    return [r.strip() for r in (e.result.region or home).split(",") if r.strip()]
