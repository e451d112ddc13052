"""A long-term Bedrock API key (an IAM service-specific credential for Bedrock) created."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...findings.model import Finding, Resource, raise_severity
from ...normalize.cloudtrail import ApiCall
from ..bedrock._llmjacking import burst_finding, credential_kind, is_trusted, observe, softened
from ..context import DetectContext
from ..patterns import api_calls
from ..registry import detector

WINDOW_SECONDS = 60 * 60
BEDROCK_SERVICE = "bedrock.amazonaws.com"
LONG_LIVED_DAYS = 90  # keys valid for longer than this (or forever) are high severity


@detector(
    id="identity.bedrock_api_key_created",
    title="Long-term Bedrock API key created",
    category="credential-misuse",
    severity="medium",
    phase="foundational",
    techniques=["T1098.001", "T1078.004"],
    playbook="revoke-principal",
    function="DetectIdentityFunction",
    events=[api_calls("iam", ["CreateServiceSpecificCredential"])],
    description=(
        "iam:CreateServiceSpecificCredential for bedrock.amazonaws.com mints a long-term Bedrock API key: a "
        "bearer token that works from anywhere until it expires or is deactivated, and a favourite of "
        "intruders who want model access that survives a password or access-key rotation."
    ),
    false_positives=[
        "A developer creating an API key for a tool that cannot sign requests (short expiry: medium).",
        "Provisioning automation that issues keys on request (trust its role: one step lower).",
    ],
    references=[
        "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateServiceSpecificCredential.html",
        "https://docs.aws.amazon.com/bedrock/latest/userguide/api-keys.html",
    ],
)
def detect(event: dict[str, Any], ctx: DetectContext) -> Iterator[Finding]:
    """Report a successful ``CreateServiceSpecificCredential`` for ``bedrock.amazonaws.com``.

    Medium; high when the key never expires or lives longer than ``LONG_LIVED_DAYS`` days; one step lower for
    trusted creators. The secret (``serviceApiKeyValue``) is never read.

    Parameters
    ----------
    event : dict
        EventBridge envelope of one CloudTrail record (the record is ``event["detail"]``).
    ctx : DetectContext
        Config, state (windows and counts) and drop counters.

    Yields
    ------
    Finding
        One per creating identity and hour.

    Known false positives
    ---------------------
    - Developers creating short-lived keys for tools that cannot sign requests.
    - Provisioning automation (trust its role).
    """
    call = ApiCall(event["detail"])
    params = call.request_parameters
    if call.error_code or params.get("serviceName") != BEDROCK_SERVICE:
        return
    meta = detect.meta  # type: ignore[attr-defined]
    age = params.get("credentialAgeDays")
    days = age if isinstance(age, int) and not isinstance(age, bool) else None
    target = params.get("userName") if isinstance(params.get("userName"), str) else call.user_name
    burst = observe(ctx, f"{meta.id}:{call.actor_key}", call, WINDOW_SECONDS, user=target, days=days)
    if burst is None:
        return
    long_lived = days is None or days > LONG_LIVED_DAYS
    trusted = is_trusted(ctx, call)
    severity = raise_severity(meta.severity) if long_lived else meta.severity
    yield burst_finding(
        ctx,
        meta,
        call,
        burst,
        description=(
            f"{call.actor_arn or call.actor_key} created a long-term Bedrock API key for IAM user {target} "
            + ("that never expires." if days is None else f"valid for {days} days.")
        ),
        severity=softened(severity, trusted),
        resources=[Resource(type="AWS::IAM::User", id=target)] if target else [],
        evidence={"key_users": burst.distinct("user"), "credential_age_days": days,
                  "creator_credential": credential_kind(call), "trusted_principal": trusted},
    )
