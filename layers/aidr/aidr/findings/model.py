"""The Finding (contracts.md section 3)."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_serializer

Severity = Literal["informational", "low", "medium", "high", "critical"]
Layer = Literal["infrastructure", "identity-data", "application"]
Phase = Literal["foundational", "enhanced", "advanced"]

SEVERITY_ORDER: dict[str, int] = {"informational": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}
SEVERITIES: tuple[str, ...] = tuple(SEVERITY_ORDER)

# event_ids kept on one finding; a burst of 10,000 calls is evidence enough with its first ids and a count.
MAX_EVENT_IDS = 100


def raise_severity(severity: str, steps: int = 1) -> str:
    return SEVERITIES[min(SEVERITY_ORDER[severity] + steps, len(SEVERITIES) - 1)]


def lower_severity(severity: str, steps: int = 1) -> str:
    return SEVERITIES[max(SEVERITY_ORDER[severity] - steps, 0)]


class Principal(BaseModel):
    model_config = ConfigDict(extra="forbid")

    arn: str | None
    type: str | None = None
    access_key_id: str | None = None
    session_name: str | None = None


class Resource(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: str
    id: str


def finding_id(detector: str, key: str) -> str:
    """Deterministic id: the same detector over the same subject and window gives the same id."""
    return hashlib.sha256(f"{detector}\x1f{key}".encode()).hexdigest()[:32]


def rfc3339(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


class Finding(BaseModel):
    """One finding. ``id`` is derived from the detector and its grouping key, so re-delivered events merge."""

    model_config = ConfigDict(extra="forbid")

    id: str
    detector: str
    category: str
    severity: Severity
    title: str
    description: str
    layer: Layer
    phase: Phase
    account: str | None
    region: str | None
    principal: Principal | None
    resources: list[Resource] = Field(default_factory=list)
    first_seen: datetime
    last_seen: datetime
    event_ids: list[str]
    evidence: dict[str, Any] = Field(default_factory=dict)
    techniques: list[str] = Field(default_factory=list)
    playbook: str | None = None

    @field_serializer("first_seen", "last_seen")
    def _ser_time(self, dt: datetime) -> str:
        return rfc3339(dt)

    def merge(self, other: Finding) -> Finding:
        """Fold a later emission of the same finding into this one (more events, wider time span).

        The later emission's severity, title and evidence win when it is at least as severe: a burst
        that grows is reported by its latest, fullest description.
        """
        ids = list(dict.fromkeys([*self.event_ids, *other.event_ids]))
        newer = other if SEVERITY_ORDER[other.severity] >= SEVERITY_ORDER[self.severity] else self
        resources = list({(r.type, r.id): r for r in [*self.resources, *other.resources]}.values())
        return newer.model_copy(
            update={
                "first_seen": min(self.first_seen, other.first_seen),
                "last_seen": max(self.last_seen, other.last_seen),
                "event_ids": ids[:MAX_EVENT_IDS],
                "resources": resources,
            }
        )

    def to_json_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")
