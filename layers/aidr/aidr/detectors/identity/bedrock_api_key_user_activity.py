"""The IAM user behind a long-term Bedrock API key calling something other than Bedrock."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...findings.model import Finding
from ...normalize.cloudtrail import ApiCall
from ...normalize.envelope import CLOUDTRAIL_API_CALL
from ..bedrock._llmjacking import BEDROCK_API_KEY_USER_PREFIX, burst_finding, credential_kind, observe, softened
from ..context import DetectContext
from ..registry import detector

WINDOW_SECONDS = 60 * 60


@detector(
    id="identity.bedrock_api_key_user_activity",
    title="Bedrock API key user called a non-Bedrock API",
    category="credential-misuse",
    severity="high",
    phase="foundational",
    techniques=["T1078.004"],
    playbook="revoke-principal",
    function="DetectIdentityFunction",
    # The same selector as template.yaml's BedrockApiKeyUserRule: every API call by such a user.
    events=[{"detail-type": [CLOUDTRAIL_API_CALL],
             "detail": {"userIdentity": {"userName": [{"prefix": BEDROCK_API_KEY_USER_PREFIX}]}}}],
    description=(
        "The console creates an IAM user named BedrockAPIKey-* for each long-term Bedrock API key; the key "
        "itself only works on Bedrock. The same user calling STS, IAM, S3 or anything else means someone "
        "gave it access keys or a password, or its permissions are being explored: the identity is no "
        "longer just an API key."
    ),
    false_positives=[
        "An administrator who reuses an API key's IAM user for other work (trust it: medium).",
    ],
    references=[
        "https://docs.aws.amazon.com/bedrock/latest/userguide/api-keys.html",
        "https://www.beyondtrust.com/blog/entry/aws-bedrock-security-guide-api-keys-detection-response",
    ],
)
def detect(event: dict[str, Any], ctx: DetectContext) -> Iterator[Finding]:
    """Report a ``BedrockAPIKey-*`` IAM user calling anything but Bedrock.

    Refused calls count too: they are exploration. High, medium for trusted users.

    Parameters
    ----------
    event : dict
        EventBridge envelope of one CloudTrail record (the record is ``event["detail"]``).
    ctx : DetectContext
        Config, state (windows and counts) and drop counters.

    Yields
    ------
    Finding
        One per user and hour, naming the services called.

    Known false positives
    ---------------------
    - An administrator reusing an API key's IAM user for other work (trust it).
    """
    call = ApiCall(event["detail"])
    if call.service.startswith("bedrock") or not (call.user_name or "").startswith(BEDROCK_API_KEY_USER_PREFIX):
        return
    meta = detect.meta  # type: ignore[attr-defined]
    burst = observe(ctx, f"{meta.id}:{call.actor_key}", call, WINDOW_SECONDS, service=call.service)
    if burst is None:
        return
    trusted = ctx.config.is_trusted(call.actor_arn)
    services = burst.distinct("service")
    yield burst_finding(
        ctx,
        meta,
        call,
        burst,
        description=(
            f"Bedrock API key user {call.user_name} called {', '.join(services)} "
            f"({', '.join(burst.names())}) with {credential_kind(call)} credentials."
        ),
        severity=softened(meta.severity, trusted),
        evidence={"services": services, "credential": credential_kind(call), "trusted_principal": trusted},
    )
