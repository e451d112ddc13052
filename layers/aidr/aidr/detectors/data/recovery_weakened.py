"""Versioning suspended, or objects set to expire, on AI training or knowledge-base data (destruction prepared)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...findings.model import Finding, Resource
from ...inventory import bucket_reasons
from ...normalize.cloudtrail import ApiCall
from ...normalize.iam_policy import as_list
from ..context import DetectContext
from ..patterns import api_calls
from ..registry import DetectorMeta, detector
from .common import FUNCTION, SERVICE, bucket_of, by_aws_service, is_trusted, temper, xml_fields

# CloudTrail names the PutBucketLifecycleConfiguration API "PutBucketLifecycle".
CALLS = ("PutBucketVersioning", "PutBucketLifecycle")
EXPIRY_ACTIONS = ("expiration", "noncurrentversionexpiration")


def versioning_problems(params: dict[str, Any]) -> list[str]:
    """What a PutBucketVersioning takes away: old versions kept (Suspended), MFA needed to delete them."""
    cfg = xml_fields(params.get("VersioningConfiguration"))
    problems = []
    if str(cfg.get("status") or "").lower() == "suspended":
        problems.append("versioning suspended: overwrites and deletes no longer keep the previous version")
    if str(cfg.get("mfadelete") or "").lower() == "disabled":
        problems.append("MFA delete disabled")
    return problems


def lifecycle_problems(params: dict[str, Any]) -> list[str]:
    """Enabled lifecycle rules that expire current or previous object versions."""
    cfg = xml_fields(params.get("LifecycleConfiguration"))
    problems = []
    for rule in as_list(cfg.get("rule")):  # one rule is an object, several a list
        r = xml_fields(rule)
        if str(r.get("status") or "").lower() != "enabled":
            continue
        for action in EXPIRY_ACTIONS:
            spec = xml_fields(r.get(action))
            if not spec:
                continue
            days = spec.get("days") or spec.get("noncurrentdays")
            when = f"after {days} day(s)" if days is not None else "on a date" if spec.get("date") else ""
            what = "previous versions" if action.startswith("noncurrent") else "objects"
            problems.append(f"rule {str(r.get('id') or '?')[:64]!r} expires {what} {when}".rstrip())
    return problems


@detector(
    id="s3.ai_data_recovery_weakened",
    title="AI data bucket set up to lose data: versioning suspended or objects set to expire",
    category="training-data-tampering",
    severity="medium",
    phase="enhanced",
    techniques=["T1485", "T1490", "AML.T0020"],
    playbook="quarantine-bucket",
    function=FUNCTION,
    events=[api_calls(SERVICE, list(CALLS))],
    description=(
        "Before poisoning or destroying training data an attacker removes the way back: versioning suspended "
        "(or MFA delete switched off) so that overwrites and deletes keep no previous version, or a lifecycle "
        "rule that expires objects or their previous versions. Medium on buckets listed in "
        "protected_data_buckets, low on buckets learned as training input or knowledge-base sources; trusted "
        "principals' changes are one step lower."
    ),
    false_positives=[
        "Storage cost clean-ups that add expiry rules to scratch prefixes of a data bucket.",
        "Buckets moved to a new retention policy by their owners (list the automation in trusted_principals).",
    ],
    references=["https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html",
                "https://attack.mitre.org/techniques/T1490/"],
)
def detect(event: dict[str, Any], ctx: DetectContext) -> Iterator[Finding]:
    """Report versioning suspended or expiry rules added on AI data buckets."""
    call = ApiCall(event["detail"])
    if call.error_code or by_aws_service(call):
        return
    bucket = bucket_of(call)
    reasons = bucket_reasons(bucket, ctx)
    if not bucket or not reasons:
        return
    params = call.request_parameters
    problems = versioning_problems(params) if call.event_name == "PutBucketVersioning" else lifecycle_problems(params)
    if not problems:
        return
    protected = "config:protected_data_buckets" in reasons
    trusted = is_trusted(call, ctx)
    meta: DetectorMeta = detect.meta  # type: ignore[attr-defined]
    yield ctx.call_finding(
        meta,
        call,
        key=f"recovery:{call.event_id or f'{bucket}:{call.event_name}'}",
        description=(f"{call.actor_arn or 'An unknown principal'} changed {'protected' if protected else 'AI'} data "
                     f"bucket {bucket}: {'; '.join(problems)}."),
        resources=[Resource(type="AWS::S3::Bucket", id=f"arn:aws:s3:::{bucket}")],
        evidence={"bucket": bucket, "why_ai_data": reasons[:5], "problems": problems[:10],
                  "trusted_principal": trusted},
        severity=temper("medium" if protected else "low", trusted),
    )
