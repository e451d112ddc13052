"""The assessment as OCSF Compliance Findings (class 2003, Findings category), schema 1.3.0: one per result.

``compliance.status_id``: 1 Pass, 3 Fail, 0 Unknown (could not assess), 99 Other (not applicable).
"""

from __future__ import annotations

import hashlib
from typing import Any

from ... import __version__
from ...findings.ocsf import ACCOUNT_TYPE_AWS, CATEGORY_NAME, CATEGORY_UID, OCSF_VERSION, SEVERITY_IDS, epoch_ms
from ..report import Assessment, Entry

CLASS_UID, CLASS_NAME = 2003, "Compliance Finding"
ACTIVITY_CREATE = 1
COMPLIANCE_STATUS = {"PASS": (1, "Pass"), "FAIL": (3, "Fail"), "COULD_NOT_ASSESS": (0, "Unknown"),
                     "NOT_APPLICABLE": (99, "Not Applicable")}
STANDARD = "AWS AI Security Framework (aidr)"


def result_uid(account: str, e: Entry) -> str:
    """Stable id of a result: the same check on the same resource keeps its id across runs."""
    key = f"{account}|{e.meta.id}|{e.result.resource or e.result.region or ''}"
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def finding(a: Assessment, e: Entry) -> dict[str, Any]:
    status_id, status = COMPLIANCE_STATUS[e.result.status]
    t = epoch_ms(a.generated_at)
    region = (e.result.region or a.regions[0]).split(",")[0].strip()
    doc: dict[str, Any] = {
        "category_uid": CATEGORY_UID, "category_name": CATEGORY_NAME,
        "class_uid": CLASS_UID, "class_name": CLASS_NAME,
        "activity_id": ACTIVITY_CREATE, "activity_name": "Create", "type_uid": CLASS_UID * 100 + ACTIVITY_CREATE,
        "severity_id": SEVERITY_IDS[e.meta.severity], "severity": e.meta.severity.capitalize(),
        "status_id": 1, "status": "New", "time": t,
        "message": f"{e.meta.title}: {e.result.status}",
        "metadata": {"version": OCSF_VERSION, "uid": result_uid(a.account, e), "profiles": ["cloud"],
                     "product": {"name": "aidr", "vendor_name": "aidr", "version": __version__}},
        "finding_info": {"uid": result_uid(a.account, e), "title": e.meta.title, "desc": e.result.reason,
                         "types": ["assessment"], "created_time": t,
                         "analytic": {"uid": e.meta.id, "name": e.meta.id, "type_id": 1, "type": "Rule"}},
        "compliance": {"control": e.meta.id, "standards": [STANDARD, *(f"AWS Security Hub {c}" for c in
                                                                       e.meta.references.get("securityhub", ()))],
                       "requirements": [*e.meta.references.get("owasp_llm_2025", ()),
                                        *e.meta.references.get("mitre_atlas", ())],
                       "status_id": status_id, "status": status, "status_detail": e.result.reason},
        "cloud": {"provider": "AWS", "region": region,
                  "account": {"uid": a.account, "type_id": ACCOUNT_TYPE_AWS, "type": "AWS Account"}},
        "remediation": {"desc": e.meta.remediation},
        "unmapped": {"aidr": {"layer": e.meta.layer, "phase": e.meta.phase, "exposure": e.result.exposure}},
    }
    if e.result.resource:
        doc["resources"] = [{"uid": e.result.resource, "region": region}]
    return doc


def to_ocsf(a: Assessment) -> list[dict[str, Any]]:
    return [finding(a, e) for e in a.entries]
