"""The assessment as ASFF documents for Security Hub ``BatchImportFindings``: one per result and region.

Reuses the field rules of :mod:`aidr.findings.asff` (schema version, limits, product ARN, partition). Compliance
status: PASS -> PASSED, FAIL -> FAILED, NOT_APPLICABLE and COULD_NOT_ASSESS -> NOT_AVAILABLE. Results that are not
failures are imported ARCHIVED / RESOLVED so a fixed control closes its earlier finding (same Id).
"""

from __future__ import annotations

import re
from typing import Any

from ...findings.asff import (
    MAX_DESCRIPTION,
    MAX_FIELD_VALUE,
    MAX_RECOMMENDATION,
    MAX_TITLE,
    SCHEMA_VERSION,
    default_product_arn,
    partition_for_region,
)
from ...findings.model import rfc3339
from ..report import Assessment, Entry
from .common import regions_of
from .ocsf import result_uid

COMPLIANCE = {"PASS": "PASSED", "FAIL": "FAILED", "NOT_APPLICABLE": "NOT_AVAILABLE",
              "COULD_NOT_ASSESS": "NOT_AVAILABLE"}
TYPE = "Software and Configuration Checks/Industry and Regulatory Standards/AWS AI Security Framework"
_ARN_TYPES = [
    (re.compile(r"^arn:[\w-]+:s3:::[^/]+$"), "AwsS3Bucket"),
    (re.compile(r"^arn:[\w-]+:iam::\d+:role/"), "AwsIamRole"),
    (re.compile(r"^arn:[\w-]+:iam::\d+:user/"), "AwsIamUser"),
    (re.compile(r"^arn:[\w-]+:iam::\d+:policy/"), "AwsIamPolicy"),
    (re.compile(r"^arn:[\w-]+:sagemaker:[\w-]+:\d+:notebook-instance/"), "AwsSageMakerNotebookInstance"),
    (re.compile(r"^arn:[\w-]+:cloudtrail:[\w-]+:\d+:trail/"), "AwsCloudTrailTrail"),
    (re.compile(r"^arn:[\w-]+:kms:[\w-]+:\d+:key/"), "AwsKmsKey"),
    (re.compile(r"^arn:[\w-]+:guardduty:[\w-]+:\d+:detector/"), "AwsGuardDutyDetector"),
]


def _clip(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _resource(resource: str | None, account: str, partition: str, region: str) -> dict[str, Any]:
    if not resource:
        return {"Type": "AwsAccount", "Id": f"AWS::::Account:{account}", "Partition": partition, "Region": region}
    rtype = next((t for pat, t in _ARN_TYPES if pat.match(resource)), "Other")
    return {"Type": rtype, "Id": _clip(resource, 512), "Partition": partition, "Region": region}


def finding(a: Assessment, e: Entry, region: str) -> dict[str, Any]:
    partition = partition_for_region(region)
    now = rfc3339(a.generated_at)
    failed = e.result.status == "FAIL"
    label = e.meta.severity.upper() if failed else "INFORMATIONAL"
    severity = {"Label": label, "Original": e.meta.severity}
    refs = {f"aidr/ref/{k}": ",".join(v) for k, v in e.meta.references.items() if v}
    return {
        "SchemaVersion": SCHEMA_VERSION,
        "Id": f"aidr-assess/{result_uid(a.account, e)}/{region}",
        "ProductArn": default_product_arn(a.account, region),
        "GeneratorId": f"aidr-assess/{e.meta.id}",
        "AwsAccountId": a.account,
        "Types": [TYPE],
        "CreatedAt": now,
        "UpdatedAt": now,
        "Severity": severity,
        "FindingProviderFields": {"Severity": severity, "Types": [TYPE]},
        "Title": _clip(e.meta.title, MAX_TITLE),
        "Description": _clip(f"{e.result.status}: {e.result.reason}", MAX_DESCRIPTION),
        "Remediation": {"Recommendation": {"Text": _clip(e.meta.remediation, MAX_RECOMMENDATION)}},
        "Resources": [_resource(e.result.resource, a.account, partition, region)],
        "Compliance": {"Status": COMPLIANCE[e.result.status],
                       "RelatedRequirements": list(e.meta.references.get("securityhub", ()))[:32]},
        "ProductFields": {k: _clip(v, MAX_FIELD_VALUE) for k, v in {
            "aidr/check": e.meta.id, "aidr/layer": e.meta.layer, "aidr/phase": e.meta.phase,
            "aidr/status": e.result.status, "aidr/exposure": str(e.result.exposure), **refs}.items()},
        "RecordState": "ACTIVE" if failed else "ARCHIVED",
        "Workflow": {"Status": "NEW" if failed else "RESOLVED"},
    }


def to_asff(a: Assessment, only_failed: bool = False) -> list[dict[str, Any]]:
    """ASFF documents for every result (or only FAILs), one per region a result covers."""
    home = a.regions[0] if a.regions else "us-east-1"
    return [finding(a, e, r) for e in a.entries if not only_failed or e.result.status == "FAIL"
            for r in regions_of(e, home)]
