"""Threat detection where AI is used: GuardDuty (with AI Protection and S3 protection) and Security Hub with
the AI Security Best Practices standard."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError

from ..collect import BEDROCK_USAGE_CALLS, SAGEMAKER_USAGE_CALLS, ai_usage
from ..context import AssessContext
from ..model import Result, failed, not_applicable, passed
from ..registry import check

GD = ("guardduty:ListDetectors", "guardduty:GetDetector")
USAGE = (*BEDROCK_USAGE_CALLS, *SAGEMAKER_USAGE_CALLS)
AI_STANDARD = "standards/ai-security-best-practices"


def detector(ctx: AssessContext, region: str) -> dict[str, Any] | None:
    """The region's GuardDuty detector (with ``_id``), or None when there is none."""
    def load() -> dict[str, Any] | None:
        gd = ctx.client("guardduty", region)
        ids = ctx.paginate("guardduty", region, "list_detectors", "DetectorIds")
        return dict(gd.get_detector(DetectorId=ids[0]), _id=ids[0]) if ids else None
    return ctx.memo(("guardduty", region), load)


def _feature(d: dict[str, Any], name: str) -> bool:
    return any(f.get("Name") == name and f.get("Status") == "ENABLED" for f in d.get("Features") or [])


def _gated(ctx: AssessContext, region: str, what: str) -> Iterator[Result]:
    """NOT_APPLICABLE in regions without AI usage; the caller's verdict otherwise."""
    if not ai_usage(ctx, region):
        yield not_applicable(f"no AI services used (no need for {what} here)")


@check(id="guardduty.enabled", title="GuardDuty is on where AI services are used", layer="infrastructure",
       phase="foundational", severity="high", api_calls=[*GD, *USAGE],
       remediation="Enable GuardDuty in every region that uses Bedrock or SageMaker.",
       references={"securityhub": ["GuardDuty.1"], "mitre_atlas": ["AML.T0040"]})
def guardduty_enabled(ctx: AssessContext, region: str) -> Iterator[Result]:
    d = detector(ctx, region)
    if d and d.get("Status") == "ENABLED":
        yield passed("GuardDuty detector enabled", f"arn:aws:guardduty:{region}:{ctx.account}:detector/{d['_id']}")
        return
    na = list(_gated(ctx, region, "GuardDuty"))
    yield from na or [failed("AI services are used but GuardDuty is off", exposure=2)]


@check(id="guardduty.ai_protection", title="GuardDuty AI Protection is on where AI services are used",
       layer="infrastructure", phase="enhanced", severity="medium", api_calls=[*GD, *USAGE],
       remediation="Enable the AI_PROTECTION feature of the GuardDuty detector (UpdateDetector Features).",
       references={"owasp_llm_2025": ["LLM01", "LLM10"], "mitre_atlas": ["AML.T0051", "AML.T0040"]})
def guardduty_ai_protection(ctx: AssessContext, region: str) -> Iterator[Result]:
    d = detector(ctx, region)
    if d and d.get("Status") == "ENABLED" and _feature(d, "AI_PROTECTION"):
        yield passed("AI Protection enabled", f"arn:aws:guardduty:{region}:{ctx.account}:detector/{d['_id']}")
        return
    na = list(_gated(ctx, region, "AI Protection"))
    yield from na or [failed("GuardDuty AI Protection is off", exposure=2)]


@check(id="guardduty.s3_protection", title="GuardDuty S3 Protection is on where AI services are used",
       layer="infrastructure", phase="enhanced", severity="medium", api_calls=[*GD, *USAGE],
       remediation="Enable the S3_DATA_EVENTS feature of the GuardDuty detector to watch training and "
                   "knowledge-base buckets.",
       references={"owasp_llm_2025": ["LLM04"], "mitre_atlas": ["AML.T0020"]})
def guardduty_s3_protection(ctx: AssessContext, region: str) -> Iterator[Result]:
    d = detector(ctx, region)
    if d and d.get("Status") == "ENABLED" and _feature(d, "S3_DATA_EVENTS"):
        yield passed("S3 Protection enabled", f"arn:aws:guardduty:{region}:{ctx.account}:detector/{d['_id']}")
        return
    na = list(_gated(ctx, region, "S3 Protection"))
    yield from na or [failed("GuardDuty S3 Protection is off")]


def hub(ctx: AssessContext, region: str) -> dict[str, Any] | None:
    def load() -> dict[str, Any] | None:
        try:
            return ctx.client("securityhub", region).describe_hub()  # type: ignore[no-any-return]
        except ClientError as e:
            # Security Hub answers "not subscribed" with InvalidAccessException, as it does some denials: the
            # message tells them apart.
            msg = str(e.response.get("Error", {}).get("Message", "")).lower()
            if e.response.get("Error", {}).get("Code") == "InvalidAccessException" and "not subscribed" in msg:
                return None
            if e.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                return None
            raise
    return ctx.memo(("securityhub", region), load)


@check(id="securityhub.enabled", title="Security Hub is on where AI services are used", layer="infrastructure",
       phase="foundational", severity="medium", api_calls=["securityhub:DescribeHub", *USAGE],
       remediation="Enable Security Hub (CSPM) in every region that uses Bedrock or SageMaker.",
       references={})
def securityhub_enabled(ctx: AssessContext, region: str) -> Iterator[Result]:
    h = hub(ctx, region)
    if h:
        yield passed("Security Hub enabled", h.get("HubArn"))
        return
    na = list(_gated(ctx, region, "Security Hub"))
    yield from na or [failed("AI services are used but Security Hub is off")]


@check(id="securityhub.ai_standard_enabled", title="Security Hub runs the AI Security Best Practices standard",
       layer="infrastructure", phase="enhanced", severity="medium",
       api_calls=["securityhub:DescribeHub", "securityhub:GetEnabledStandards", *USAGE],
       remediation="Enable the AI Security Best Practices v1.0.0 standard "
                   "(arn:aws:securityhub:<region>::standards/ai-security-best-practices/v/1.0.0).",
       references={})
def securityhub_ai_standard(ctx: AssessContext, region: str) -> Iterator[Result]:
    h = hub(ctx, region)
    if h:
        subs = ctx.paginate("securityhub", region, "get_enabled_standards", "StandardsSubscriptions")
        on = [s for s in subs if AI_STANDARD in s.get("StandardsArn", "") and s.get("StandardsStatus") in
              ("READY", "PENDING", "INCOMPLETE")]
        if on:
            yield passed("AI Security Best Practices enabled", on[0].get("StandardsSubscriptionArn"))
            return
    na = list(_gated(ctx, region, "the AI standard"))
    yield from na or [failed("AI Security Best Practices standard is not enabled"
                             if h else "Security Hub is off, so the AI standard is not running")]
