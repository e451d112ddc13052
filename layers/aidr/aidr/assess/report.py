"""The assessment: results, the phase reached per layer, the layer x phase heat map and the roadmap.

A phase is reached in a layer when every applicable check of that phase passes (NOT_APPLICABLE is ignored;
COULD_NOT_ASSESS is not a pass) and the previous phase is reached. The roadmap lists failed checks: first those of
each layer's next phase (the one to reach now), then the rest by phase; within a tier by risk = severity weight x
exposure, highest first.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .model import LAYERS, PHASES, SEVERITY_WEIGHT, STATUSES, CheckMeta, Result


@dataclass(frozen=True)
class Entry:
    """One check result with its check's metadata."""

    meta: CheckMeta
    result: Result

    @property
    def risk(self) -> int:
        return SEVERITY_WEIGHT[self.meta.severity] * self.result.exposure

    def to_json(self) -> dict[str, Any]:
        m, r = self.meta, self.result
        return {"id": m.id, "title": m.title, "layer": m.layer, "phase": m.phase, "severity": m.severity,
                "status": r.status, "resource": r.resource, "reason": r.reason, "references": m.references_json(),
                # Beyond contracts.md section 8: tells apart the results of a region-wide check (resource null).
                "region": r.region}


@dataclass(frozen=True)
class RoadmapItem:
    entry: Entry
    priority: int
    why: str

    def to_json(self) -> dict[str, Any]:
        return {"check": self.entry.meta.id, "resource": self.entry.result.resource, "priority": self.priority,
                "why": self.why, "region": self.entry.result.region}


def phase_reached(entries: list[Entry]) -> dict[str, str]:
    """Per layer: ``none`` or the highest phase reached (all applicable checks pass, previous phase reached)."""
    out: dict[str, str] = {}
    for layer in LAYERS:
        reached = "none"
        for phase in PHASES:
            cell = [e for e in entries if e.meta.layer == layer and e.meta.phase == phase]
            if any(e.result.status not in ("PASS", "NOT_APPLICABLE") for e in cell):
                break
            reached = phase
        out[layer] = reached
    return out


def heat_map(entries: list[Entry]) -> dict[str, dict[str, dict[str, int]]]:
    """``{layer: {phase: {status: count}}}`` with every layer, phase and status present."""
    counts = Counter((e.meta.layer, e.meta.phase, e.result.status) for e in entries)
    return {layer: {phase: {s: counts[(layer, phase, s)] for s in STATUSES} for phase in PHASES}
            for layer in LAYERS}


def cell_state(cell: dict[str, int]) -> str:
    """How a heat-map cell reads: ``gaps`` (a FAIL), ``unknown`` (could not assess), ``met``, or ``n/a``."""
    if cell["FAIL"]:
        return "gaps"
    if cell["COULD_NOT_ASSESS"]:
        return "unknown"
    return "met" if cell["PASS"] else "n/a"


def next_phase(reached: str) -> str | None:
    order = ["none", *PHASES]
    i = order.index(reached)
    return order[i + 1] if i + 1 < len(order) else None


def roadmap(entries: list[Entry], reached: dict[str, str]) -> list[RoadmapItem]:
    """Failed checks, the next phase's first, by risk (severity x exposure); priority 1 is first."""
    failed = [e for e in entries if e.result.status == "FAIL"]

    def key(e: Entry) -> tuple[Any, ...]:
        is_next = e.meta.phase == next_phase(reached[e.meta.layer])
        return (0 if is_next else 1, PHASES.index(e.meta.phase), -e.risk, e.meta.id, e.result.resource or "")

    items = []
    for i, e in enumerate(sorted(failed, key=key), start=1):
        nxt = e.meta.phase == next_phase(reached[e.meta.layer])
        stage = f"next phase for {e.meta.layer}" if nxt else f"{e.meta.phase} phase of {e.meta.layer}"
        why = (f"{stage}; risk {e.risk} ({e.meta.severity} x exposure {e.result.exposure}): {e.result.reason}. "
               f"Fix: {e.meta.remediation}")
        items.append(RoadmapItem(e, i, why))
    return items


@dataclass
class Assessment:
    """The result of :func:`aidr.assess.runner.assess`; ``to_json()`` is the document of contracts.md section 8."""

    account: str
    regions: list[str]
    entries: list[Entry]
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def phase_reached(self) -> dict[str, str]:
        return phase_reached(self.entries)

    @property
    def heat_map(self) -> dict[str, dict[str, dict[str, int]]]:
        return heat_map(self.entries)

    @property
    def roadmap(self) -> list[RoadmapItem]:
        return roadmap(self.entries, self.phase_reached)

    def counts(self) -> dict[str, int]:
        c = Counter(e.result.status for e in self.entries)
        return {s: c[s] for s in STATUSES}

    def to_json(self) -> dict[str, Any]:
        from ..findings.model import rfc3339

        return {
            "account": self.account,
            "regions": list(self.regions),
            "generated_at": rfc3339(self.generated_at),
            "checks": [e.to_json() for e in self.entries],
            "phase_reached": self.phase_reached,
            "roadmap": [i.to_json() for i in self.roadmap],
        }
