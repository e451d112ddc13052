"""A Finding as an AWS Security Finding Format (ASFF) document for Security Hub ``BatchImportFindings``.

Field rules (Security Hub user guide, "Required top-level ASFF attributes" and "Types taxonomy for ASFF"; API
reference ``AwsSecurityFinding``): SchemaVersion ``2018-10-08``; Title at most 256 characters, Description
at most 1024; at least one and at most 32 Resources, each with a Type (``Other`` when Security Hub has no
type for it) and an Id; ProductFields at most 50 string pairs (keys up to 128 characters, values up to 2048);
Types as ``namespace/category/classifier`` with one of the five documented namespaces.

Examples
--------
>>> from datetime import UTC, datetime
>>> from aidr.findings.model import Finding
>>> t = datetime(2026, 3, 2, 9, 14, 3, tzinfo=UTC)
>>> f = Finding(id="0f1e", detector="bedrock.invocation_logging_deleted", category="logging-tampering",
...             severity="high", title="Bedrock model invocation logging deleted", description="deleted",
...             layer="identity-data", phase="foundational", account="111122223333", region="us-east-1",
...             principal=None, first_seen=t, last_seen=t, event_ids=["e1"], playbook="restore-logging")
>>> doc = to_asff(f)
>>> doc["ProductArn"]
'arn:aws:securityhub:us-east-1:111122223333:product/111122223333/default'
>>> doc["Severity"]["Label"], doc["Types"]
('HIGH', ['TTPs/Defense Evasion/Logging Tampering'])
"""

from __future__ import annotations

import re
from typing import Any

import orjson

from .model import Finding, Resource, rfc3339

SCHEMA_VERSION = "2018-10-08"
MAX_TITLE = 256
MAX_DESCRIPTION = 1024
MAX_RESOURCES = 32
MAX_RECOMMENDATION = 512
MAX_FIELD_KEY = 128
MAX_FIELD_VALUE = 2048
# ProductFields holds at most 50 pairs and Security Hub adds its own (aws/securityhub/FindingId, ProductName,
# CompanyName) on import: leave room for them.
MAX_PRODUCT_FIELDS = 44

NAMESPACES = (
    "Software and Configuration Checks",
    "TTPs",
    "Effects",
    "Unusual Behaviors",
    "Sensitive Data Identifications",
)

# Category -> ASFF finding types. Namespaces and categories are the documented ones; classifiers are ours.
CATEGORY_TYPES: dict[str, tuple[str, ...]] = {
    "prompt-injection": ("TTPs/Execution/Prompt Injection",),
    "guardrail-block-burst": ("Unusual Behaviors/User/Guardrail Block Burst", "TTPs/Execution/Prompt Injection"),
    "sensitive-data-exposure": (
        "Sensitive Data Identifications/Security/Sensitive Data In Model Traffic",
        "Effects/Data Exposure/Sensitive Data In Model Traffic",
    ),
    "unguarded-invocation": ("Software and Configuration Checks/AWS Security Best Practices/Unguarded Invocation",),
    "model-abuse": ("Effects/Resource Consumption/Model Abuse", "Unusual Behaviors/User/Model Usage Spike"),
    "model-probing": ("TTPs/Discovery/Model Probing",),
    "unapproved-model": ("Software and Configuration Checks/AWS Security Best Practices/Unapproved Model",),
    "agent-tampering": ("TTPs/Persistence/Agent Tampering",),
    "agent-boundary-escape": ("Unusual Behaviors/Application/Agent Boundary Escape",),
    "logging-tampering": ("TTPs/Defense Evasion/Logging Tampering",),
    "guardrail-tampering": ("TTPs/Defense Evasion/Guardrail Tampering",),
    "model-recon": ("TTPs/Discovery/Model Reconnaissance",),
    "model-access-grant": ("TTPs/Persistence/Model Access Grant",),
    "credential-misuse": ("Unusual Behaviors/User/Credential Misuse", "TTPs/Initial Access/Valid Accounts"),
    "privilege-escalation": ("TTPs/Privilege Escalation/AI Privilege Grant",),
    "training-data-tampering": ("Effects/Data Destruction/Training Data Tampering",),
    "data-exposure": ("Effects/Data Exposure/AI Data Exposure",),
    "model-supply-chain": ("TTPs/Initial Access/Model Supply Chain",),
    "notebook-compromise": ("TTPs/Persistence/Notebook Compromise",),
    "endpoint-exposure": ("Software and Configuration Checks/AWS Security Best Practices/Endpoint Exposure",),
    "credential-compromise": ("TTPs/Credential Access/Credential Compromise",),
    "ai-resource-threat": ("Unusual Behaviors/Application/AI Resource Threat",),
}

# CloudFormation resource type -> ASFF resource type, where Security Hub defines one. Others become "Other".
RESOURCE_TYPES: dict[str, str] = {
    "AWS::S3::Bucket": "AwsS3Bucket",
    "AWS::S3::Object": "AwsS3Object",
    "AWS::IAM::Role": "AwsIamRole",
    "AWS::IAM::User": "AwsIamUser",
    "AWS::IAM::Policy": "AwsIamPolicy",
    "AWS::IAM::ManagedPolicy": "AwsIamPolicy",
    "AWS::IAM::AccessKey": "AwsIamAccessKey",
    "AWS::Lambda::Function": "AwsLambdaFunction",
    "AWS::KMS::Key": "AwsKmsKey",
    "AWS::CloudTrail::Trail": "AwsCloudTrailTrail",
    "AWS::EC2::Instance": "AwsEc2Instance",
    "AWS::SageMaker::NotebookInstance": "AwsSageMakerNotebookInstance",
    "AWS::GuardDuty::Detector": "AwsGuardDutyDetector",
    "AWS::Account": "AwsAccount",
}

_ARN = re.compile(r"^arn:(?P<partition>[\w-]+):(?P<service>[\w-]+):(?P<region>[\w-]*):(?P<account>\d*):(?P<rest>.+)$")


def partition_for_region(region: str | None) -> str:
    if region and region.startswith("cn-"):
        return "aws-cn"
    if region and region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def default_product_arn(account: str, region: str) -> str:
    """The ARN an account imports its own findings under (its private ``default`` product)."""
    return f"arn:{partition_for_region(region)}:securityhub:{region}:{account}:product/{account}/default"


def _clip(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _principal_resource(arn: str, account: str) -> tuple[str, str]:
    """(ASFF type, id) for the acting principal: an IAM user, a role (sessions name their role), or Other."""
    m = _ARN.match(arn)
    if not m:
        return "Other", arn
    rest, acct = m["rest"], m["account"] or account
    if m["service"] == "iam" and rest.startswith("user/"):
        return "AwsIamUser", arn
    if m["service"] == "iam" and rest.startswith("role/"):
        return "AwsIamRole", arn
    if m["service"] == "sts" and rest.startswith("assumed-role/"):
        # The session's role; an assumed-role ARN drops the role's path, so this is the path-less form.
        return "AwsIamRole", f"arn:{m['partition']}:iam::{acct}:role/{rest.split('/')[1]}"
    return "Other", arn


def _resource(r: Resource, partition: str, region: str) -> dict[str, Any]:
    rtype = RESOURCE_TYPES.get(r.type, "Other")
    rid = r.id
    if rtype == "AwsS3Bucket" and not rid.startswith("arn:"):
        rid = f"arn:{partition}:s3:::{rid}"
    doc: dict[str, Any] = {"Type": rtype, "Id": rid, "Partition": partition, "Region": region}
    if rtype == "Other":
        doc["Details"] = {"Other": {"aidr/type": _clip(r.type, MAX_FIELD_VALUE)}}
    return doc


def _resources(finding: Finding, account: str, partition: str, region: str) -> list[dict[str, Any]]:
    docs = [_resource(r, partition, region) for r in finding.resources]
    if not docs:  # ASFF requires one: the acting principal, else the account
        if finding.principal is not None and finding.principal.arn:
            rtype, rid = _principal_resource(finding.principal.arn, account)
        else:
            rtype, rid = "AwsAccount", f"AWS::::Account:{account}"
        docs = [{"Type": rtype, "Id": rid, "Partition": partition, "Region": region}]
    return docs[:MAX_RESOURCES]


def _field_value(v: Any) -> str:
    s = v if isinstance(v, str) else orjson.dumps(v, default=str).decode()
    return _clip(s, MAX_FIELD_VALUE) if s.strip() else "-"


def product_fields(finding: Finding) -> dict[str, str]:
    """aidr's own facts as ASFF ProductFields: string values, limits respected, evidence after the fixed keys."""
    fields: dict[str, Any] = {
        "aidr/detector": finding.detector,
        "aidr/category": finding.category,
        "aidr/layer": finding.layer,
        "aidr/phase": finding.phase,
        "aidr/severity": finding.severity,
        "aidr/playbook": finding.playbook,
        "aidr/techniques": ",".join(finding.techniques),
        "aidr/event_count": len(finding.event_ids),
        "aidr/event_ids": ",".join(finding.event_ids),
    }
    if finding.principal is not None:
        fields["aidr/principal"] = finding.principal.arn
        fields["aidr/principal_type"] = finding.principal.type
        fields["aidr/access_key_id"] = finding.principal.access_key_id
    for k, v in finding.evidence.items():
        fields[f"aidr/evidence/{k}"] = v
    out: dict[str, str] = {}
    for k, v in fields.items():
        if v is None or v == "" or len(out) >= MAX_PRODUCT_FIELDS:
            continue
        out[k[:MAX_FIELD_KEY]] = _field_value(v)
    return out


def _recommendation(finding: Finding) -> str:
    if finding.playbook:
        text = (f"Review the finding, then run the aidr playbook '{finding.playbook}' (contains reversibly: "
                "every action is snapshotted and can be undone).")
    else:
        text = "Review the finding and the activity of the principal and resources it names."
    return _clip(text, MAX_RECOMMENDATION)


def to_asff(
    finding: Finding,
    product_arn: str | None = None,
    *,
    account: str | None = None,
    region: str | None = None,
    updated_at: str | None = None,
) -> dict[str, Any]:
    """The ASFF document for ``finding``.

    Parameters
    ----------
    finding
        The finding to export.
    product_arn
        Security Hub product ARN; defaults to the account's private ``default`` product in the region.
    account, region
        Used when the finding has none (e.g. a finding without an account); the finding's own win.
    updated_at
        RFC 3339 time of this import; defaults to the finding's ``last_seen`` so the document is reproducible.

    Raises
    ------
    ValueError
        When no 12-digit account or no region is known: ASFF cannot place the finding.
    """
    acct = finding.account or account
    reg = finding.region or region
    if not acct or not re.fullmatch(r"\d{12}", acct):
        raise ValueError(f"finding {finding.id}: ASFF needs a 12-digit AwsAccountId, got {acct!r}")
    if not reg:
        raise ValueError(f"finding {finding.id}: ASFF needs a region")
    partition = partition_for_region(reg)
    types = list(CATEGORY_TYPES.get(finding.category, ("Unusual Behaviors",)))
    severity = {"Label": finding.severity.upper(), "Original": finding.severity}
    first, last = rfc3339(finding.first_seen), rfc3339(finding.last_seen)
    return {
        "SchemaVersion": SCHEMA_VERSION,
        "Id": finding.id,
        "ProductArn": product_arn or default_product_arn(acct, reg),
        "GeneratorId": finding.detector,
        "AwsAccountId": acct,
        "Types": types,
        "FirstObservedAt": first,
        "LastObservedAt": last,
        "CreatedAt": first,
        "UpdatedAt": updated_at or last,
        "Severity": severity,
        # Security Hub asks finding providers to state Types and Severity here (they are then theirs to keep).
        "FindingProviderFields": {"Severity": severity, "Types": types},
        "Title": _clip(finding.title, MAX_TITLE),
        "Description": _clip(finding.description, MAX_DESCRIPTION) or _clip(finding.title, MAX_DESCRIPTION),
        "Resources": _resources(finding, acct, partition, reg),
        "ProductFields": product_fields(finding),
        "Remediation": {"Recommendation": {"Text": _recommendation(finding)}},
        "RecordState": "ACTIVE",
        "Workflow": {"Status": "NEW"},
    }
