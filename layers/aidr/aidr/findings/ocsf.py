"""A Finding as an OCSF Detection Finding (class 2004, Findings category), schema 1.3.0, cloud and host profiles.

Required by the schema and always set: ``category_uid`` 2, ``class_uid`` 2004, ``activity_id`` 1 (Create),
``type_uid`` 200401 (class_uid * 100 + activity_id), ``severity_id``, ``time`` (epoch milliseconds),
``metadata`` with ``product`` (name, vendor_name, version) and ``version``, ``finding_info`` with ``uid`` (and
``title``), and, because the cloud profile is applied, ``cloud`` with ``provider``.

MITRE ATT&CK ids become ``finding_info.attacks`` (a sub-technique also names its technique); ATLAS ids have no
OCSF object and go to ``unmapped.aidr.atlas_techniques`` with the other aidr-only facts.

Examples
--------
>>> from datetime import UTC, datetime
>>> from aidr.findings.model import Finding
>>> t = datetime(2026, 3, 2, 9, 14, 3, tzinfo=UTC)
>>> f = Finding(id="0f1e", detector="bedrock.invocation_logging_deleted", category="logging-tampering",
...             severity="high", title="Bedrock model invocation logging deleted", description="deleted",
...             layer="identity-data", phase="foundational", account="111122223333", region="us-east-1",
...             principal=None, first_seen=t, last_seen=t, event_ids=["e1"], techniques=["T1562.008"])
>>> doc = to_ocsf(f)
>>> doc["type_uid"], doc["severity_id"], doc["finding_info"]["attacks"][0]["sub_technique"]["uid"]
(200401, 4, 'T1562.008')
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from .. import __version__
from .model import Finding

OCSF_VERSION = "1.3.0"
CATEGORY_UID, CATEGORY_NAME = 2, "Findings"
CLASS_UID, CLASS_NAME = 2004, "Detection Finding"
ACTIVITY_CREATE = 1
STATUS_NEW = 1
ANALYTIC_RULE = 1
ACCOUNT_TYPE_AWS = 10  # account.type_id "AWS Account"

SEVERITY_IDS: dict[str, int] = {"informational": 1, "low": 2, "medium": 3, "high": 4, "critical": 5}

_ATTACK = re.compile(r"^T\d{4}(\.\d{3})?$")
_ATLAS = re.compile(r"^AML\.T\d{4}(\.\d{3})?$")


def epoch_ms(dt: datetime) -> int:
    return int(dt.timestamp() * 1000)


def attacks(techniques: list[str]) -> list[dict[str, Any]]:
    """``finding_info.attacks`` for the ATT&CK ids among ``techniques``."""
    out: list[dict[str, Any]] = []
    for t in techniques:
        if not _ATTACK.match(t):
            continue
        if "." in t:
            out.append({"technique": {"uid": t.split(".")[0]}, "sub_technique": {"uid": t}})
        else:
            out.append({"technique": {"uid": t}})
    return out


def _actor(finding: Finding) -> dict[str, Any] | None:
    p = finding.principal
    if p is None or not p.arn:
        return None
    user: dict[str, Any] = {"uid": p.arn, "name": p.session_name or p.arn.rsplit("/", 1)[-1]}
    if p.type:
        user["type"] = p.type
    if p.access_key_id:
        user["credential_uid"] = p.access_key_id
    return {"user": user}


def _resources(finding: Finding) -> list[dict[str, Any]]:
    out = []
    for r in finding.resources:
        name = r.id.rsplit("/", 1)[-1].rsplit(":", 1)[-1] or r.id
        doc: dict[str, Any] = {"uid": r.id, "name": name, "type": r.type}
        if finding.region:
            doc["region"] = finding.region
        out.append(doc)
    return out


def to_ocsf(finding: Finding) -> dict[str, Any]:
    """The OCSF Detection Finding for ``finding`` (one Create activity; re-exports carry the same uid)."""
    severity_id = SEVERITY_IDS[finding.severity]
    first, last = epoch_ms(finding.first_seen), epoch_ms(finding.last_seen)
    info: dict[str, Any] = {
        "uid": finding.id,
        "title": finding.title,
        "desc": finding.description,
        "types": [finding.category],
        "first_seen_time": first,
        "last_seen_time": last,
        "analytic": {"uid": finding.detector, "name": finding.detector, "type_id": ANALYTIC_RULE, "type": "Rule"},
    }
    if attack_list := attacks(finding.techniques):
        info["attacks"] = attack_list
    cloud: dict[str, Any] = {"provider": "AWS"}
    if finding.account:
        cloud["account"] = {"uid": finding.account, "type_id": ACCOUNT_TYPE_AWS, "type": "AWS Account"}
    if finding.region:
        cloud["region"] = finding.region
    doc: dict[str, Any] = {
        "category_uid": CATEGORY_UID,
        "category_name": CATEGORY_NAME,
        "class_uid": CLASS_UID,
        "class_name": CLASS_NAME,
        "activity_id": ACTIVITY_CREATE,
        "activity_name": "Create",
        "type_uid": CLASS_UID * 100 + ACTIVITY_CREATE,
        "type_name": f"{CLASS_NAME}: Create",
        "severity_id": severity_id,
        "severity": finding.severity.capitalize(),
        "status_id": STATUS_NEW,
        "status": "New",
        "is_alert": True,
        "time": last,
        "start_time": first,
        "end_time": last,
        "message": finding.title,
        "metadata": {
            "version": OCSF_VERSION,
            "product": {"name": "aidr", "vendor_name": "aidr", "version": __version__},
            "uid": finding.id,
            # host: the profile that brings the top-level ``actor`` (the principal); cloud: ``cloud``.
            "profiles": ["cloud", "host"],
        },
        "finding_info": info,
        "cloud": cloud,
    }
    if actor := _actor(finding):
        doc["actor"] = actor
    if resources := _resources(finding):
        doc["resources"] = resources
    if finding.evidence:
        doc["evidences"] = [{"data": finding.evidence}]
    if finding.playbook:
        doc["remediation"] = {"desc": f"Run the aidr playbook '{finding.playbook}'."}
    doc["unmapped"] = {
        "aidr": {
            "layer": finding.layer,
            "phase": finding.phase,
            "playbook": finding.playbook,
            "event_ids": list(finding.event_ids),
            "atlas_techniques": [t for t in finding.techniques if _ATLAS.match(t)],
        }
    }
    return doc
