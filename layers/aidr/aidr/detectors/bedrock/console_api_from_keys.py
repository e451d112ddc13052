"""Console-only Bedrock APIs called with credentials that no console sign-in minted."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...findings.model import Finding
from ...normalize.cloudtrail import ApiCall
from ..context import DetectContext
from ..patterns import api_calls
from ..registry import detector
from ._llmjacking import (
    CONSOLE_ONLY_CALLS,
    credential_kind,
    identity_burst,
    is_aws_service,
    is_browser_user_agent,
    model_of,
    stage_finding,
)

WINDOW_SECONDS = 60 * 60


@detector(
    id="bedrock.console_api_from_keys",
    title="Bedrock console-only API called with access keys",
    category="credential-misuse",
    severity="high",
    phase="foundational",
    techniques=["T1078.004"],
    playbook="revoke-principal",
    function="DetectBedrockFunction",
    events=[api_calls("bedrock", sorted(CONSOLE_ONLY_CALLS))],
    description=(
        "GetFoundationModelAvailability, the use-case form, model agreements and entitlements are what the "
        "Bedrock console's model-access pages call. CloudTrail marks console-minted credentials with "
        "sessionCredentialFromConsole; the same calls without it come from scripts holding access keys, "
        "long-term (AKIA) or temporary (ASIA): LLMjacking tooling replaying the console flow. A browser user "
        "agent does not make a key a console session (it is trivially spoofed)."
    ),
    false_positives=[
        "Infrastructure as code or scripts that manage model access with the SDK (several of these operations "
        "are public since 2025): trust their roles, which lowers the finding to medium.",
    ],
    references=[
        "https://permiso.io/blog/exploiting-hosted-models",
        "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html",
    ],
)
def detect(event: dict[str, Any], ctx: DetectContext) -> Iterator[Finding]:
    """Report console-only Bedrock calls made with credentials no console sign-in minted.

    Any key prefix counts (AKIA and ASIA alike), refused calls too: the attempt shows how the key is used. A
    browser user agent is recorded as evidence of spoofing, not as a console session. High, one step lower
    for trusted principals.

    Parameters
    ----------
    event : dict
        EventBridge envelope of one CloudTrail record (the record is ``event["detail"]``).
    ctx : DetectContext
        Config, state (windows and counts) and drop counters.

    Yields
    ------
    Finding
        One per identity and hour.

    Known false positives
    ---------------------
    - SDK automation that manages model access (public operations since 2025): trust its role.
    """
    call = ApiCall(event["detail"])
    if call.from_console or is_aws_service(call):
        return
    meta = detect.meta  # type: ignore[attr-defined]
    burst = identity_burst(ctx, meta, call, WINDOW_SECONDS, model=model_of(call))
    if burst is None:
        return
    spoofed_browser = is_browser_user_agent(call.user_agent)
    yield stage_finding(
        ctx, meta, call, burst,
        description=(
            f"{call.actor_arn or call.actor_key} called console-only Bedrock APIs ({', '.join(burst.names())}) "
            f"{len(burst)} time(s) with {credential_kind(call)} credentials not minted by a console sign-in"
            + (" while presenting a browser user agent." if spoofed_browser else ".")
        ),
        severity=meta.severity,
        models=burst.distinct("model"),
        evidence={"browser_user_agent_without_console_session": spoofed_browser},
    )
