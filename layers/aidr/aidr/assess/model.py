"""What an assessment is made of: check metadata, one result per check and resource, statuses and their order.

Statuses (contracts.md section 8): ``PASS``, ``FAIL``, ``NOT_APPLICABLE`` (the account has no such resource or does
not use the feature) and ``COULD_NOT_ASSESS`` (access denied, region or API not available). A check never FAILs
for an unused feature and never PASSes what it could not read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

Status = Literal["PASS", "FAIL", "NOT_APPLICABLE", "COULD_NOT_ASSESS"]
STATUSES: tuple[Status, ...] = ("PASS", "FAIL", "NOT_APPLICABLE", "COULD_NOT_ASSESS")
Layer = Literal["infrastructure", "identity-data", "application"]
LAYERS: tuple[Layer, ...] = ("infrastructure", "identity-data", "application")
Phase = Literal["foundational", "enhanced", "advanced"]
PHASES: tuple[Phase, ...] = ("foundational", "enhanced", "advanced")
Severity = Literal["informational", "low", "medium", "high", "critical"]
SEVERITY_WEIGHT: dict[str, int] = {"informational": 1, "low": 2, "medium": 3, "high": 4, "critical": 5}
Scope = Literal["region", "account"]
REFERENCE_KEYS = ("securityhub", "owasp_llm_2025", "mitre_atlas")

_ID = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)*\.[a-z0-9]+(_[a-z0-9]+)*$")
_CALL = re.compile(r"^[a-z0-9-]+:[A-Z][A-Za-z0-9]+$")
_REF = {
    "securityhub": re.compile(r"^[A-Za-z0-9]+\.\d+$"),
    "owasp_llm_2025": re.compile(r"^LLM(0[1-9]|10)$"),
    "mitre_atlas": re.compile(r"^AML\.T\d{4}(\.\d{3})?$"),
}


@dataclass(frozen=True)
class CheckMeta:
    """A check's metadata, validated when it is registered (Prowler-style metadata, Custodian-style permissions).

    ``api_calls`` are the boto3 operations the check makes, ``"<boto3 service>:<OperationName>"``; the read-only
    IAM policy (docs/assess-policy.json) is generated from them (:func:`aidr.assess.policy.iam_actions`).
    """

    id: str
    title: str
    layer: Layer
    phase: Phase
    severity: Severity
    api_calls: tuple[str, ...]
    remediation: str
    references: dict[str, tuple[str, ...]] = field(default_factory=dict)
    scope: Scope = "region"

    def __post_init__(self) -> None:
        problems = []
        if not _ID.match(self.id):
            problems.append("id must be '<area>.<behaviour>' in snake_case")
        if self.layer not in LAYERS:
            problems.append(f"layer {self.layer!r}")
        if self.phase not in PHASES:
            problems.append(f"phase {self.phase!r}")
        if self.severity not in SEVERITY_WEIGHT:
            problems.append(f"severity {self.severity!r}")
        if self.scope not in ("region", "account"):
            problems.append(f"scope {self.scope!r}")
        if not self.api_calls or any(not _CALL.match(c) for c in self.api_calls):
            problems.append(f"api_calls must be '<service>:<Operation>': {self.api_calls!r}")
        if not self.title.strip() or not self.remediation.strip():
            problems.append("title and remediation are required")
        for key, ids in self.references.items():
            if key not in _REF:
                problems.append(f"unknown reference kind {key!r}")
            elif bad := [i for i in ids if not _REF[key].match(i)]:
                problems.append(f"bad {key} references {bad}")
        if problems:
            raise ValueError(f"check {self.id!r}: " + "; ".join(problems))

    def references_json(self) -> dict[str, list[str]]:
        return {k: list(self.references.get(k, ())) for k in REFERENCE_KEYS}


@dataclass(frozen=True)
class Result:
    """What a check found about one resource (or about a region or the account when ``resource`` is None).

    ``exposure`` (1 to 3) scales risk in the roadmap: 1 one internal resource, 2 account- or region-wide,
    3 reachable from outside (public, internet, other accounts).
    """

    status: Status
    reason: str
    resource: str | None = None
    region: str | None = None
    exposure: int = 1
    check_id: str = ""

    def with_check(self, check_id: str, region: str | None) -> Result:
        return Result(self.status, self.reason, self.resource, self.region or region, self.exposure, check_id)


def passed(reason: str, resource: str | None = None, **kw: object) -> Result:
    return Result("PASS", reason, resource, **kw)  # type: ignore[arg-type]


def failed(reason: str, resource: str | None = None, exposure: int = 1, **kw: object) -> Result:
    return Result("FAIL", reason, resource, exposure=exposure, **kw)  # type: ignore[arg-type]


def not_applicable(reason: str, resource: str | None = None, **kw: object) -> Result:
    return Result("NOT_APPLICABLE", reason, resource, **kw)  # type: ignore[arg-type]


def could_not_assess(reason: str, resource: str | None = None, **kw: object) -> Result:
    return Result("COULD_NOT_ASSESS", reason, resource, **kw)  # type: ignore[arg-type]
