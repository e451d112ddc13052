"""Bedrock model access granted: use-case form, model agreements and entitlements, by one identity."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...findings.model import Finding, raise_severity
from ...normalize.cloudtrail import ApiCall
from ..context import DetectContext
from ..patterns import api_calls
from ..registry import detector
from ._llmjacking import (
    GRANT_CALLS,
    GRANT_FLOW_CALLS,
    credential_kind,
    identity_burst,
    is_aws_service,
    model_of,
    stage_finding,
)

WINDOW_SECONDS = 60 * 60
GRANTOR_MEMORY_SECONDS = 400 * 86400  # how long an identity stays "seen granting before"


@detector(
    id="bedrock.model_access_grant",
    title="Bedrock model access granted",
    category="model-access-grant",
    severity="low",
    phase="foundational",
    techniques=["T1098"],
    playbook="revoke-principal",
    function="DetectBedrockFunction",
    events=[api_calls("bedrock", sorted(GRANT_FLOW_CALLS))],
    description=(
        "PutUseCaseForModelAccess, CreateFoundationModelAgreement and PutFoundationModelEntitlement enable "
        "foundation models for the account (ListFoundationModelAgreementOffers is reported with them as part "
        "of the flow). LLMjacking intruders enable the models they resell; doing it with access keys rather "
        "than in the console, or by an identity that never granted access before, is the tell."
    ),
    false_positives=[
        "An administrator enabling a new model in the console (low when this identity granted access before).",
        "Infrastructure as code that manages model access (trust its role: one step lower).",
    ],
    references=["https://docs.aws.amazon.com/bedrock/latest/userguide/model-access.html"],
)
def detect(event: dict[str, Any], ctx: DetectContext) -> Iterator[Finding]:
    """Report an identity's model-access grant flow.

    Severity starts low and rises one step for access keys (not a console session) and one step for an
    identity never seen granting before (no grant in ``GRANTOR_MEMORY_SECONDS``); trusted principals go one
    step down. Offers listed without a grant in the window are not reported; refused calls changed nothing
    (``bedrock.console_api_from_keys`` sees them).

    Parameters
    ----------
    event : dict
        EventBridge envelope of one CloudTrail record (the record is ``event["detail"]``).
    ctx : DetectContext
        Config, state (windows and counts) and drop counters.

    Yields
    ------
    Finding
        One per identity and ``WINDOW_SECONDS`` burst, with the flow's event ids and models.

    Known false positives
    ---------------------
    - An administrator enabling a model in the console (low once they have granted before).
    - Infrastructure as code managing model access (trust its role).
    """
    call = ApiCall(event["detail"])
    if call.error_code or is_aws_service(call):
        return
    meta = detect.meta  # type: ignore[attr-defined]
    model = model_of(call)
    burst = identity_burst(ctx, meta, call, WINDOW_SECONDS, grant=call.event_name in GRANT_CALLS, model=model)
    if burst is None or not any(m.data.get("grant") for m in burst.members):
        return
    new_grantor = _first_grant_window(ctx, f"{meta.id}:grantor:{call.actor_key}", burst.anchor)
    severity = meta.severity
    if not call.from_console:
        severity = raise_severity(severity)
    if new_grantor:
        severity = raise_severity(severity)
    models = burst.distinct("model")
    yield stage_finding(
        ctx, meta, call, burst,
        description=(
            f"{call.actor_arn or call.actor_key} enabled Bedrock model access "
            f"({', '.join(burst.names())}) for {', '.join(models) or 'the account'} with "
            f"{credential_kind(call)} credentials"
            + (", the first time this identity granted model access." if new_grantor else ".")
        ),
        severity=severity,
        models=models,
        evidence={"first_grant_by_identity": new_grantor},
    )


def _first_grant_window(ctx: DetectContext, key: str, anchor: int) -> bool:
    """Remember this grant window; True when no earlier window is remembered (a late-delivered earlier grant
    is still the first; a later one already reported keeps its severity)."""
    ctx.state.add(key, str(anchor), anchor, GRANTOR_MEMORY_SECONDS)
    return not ctx.state.members(key, until=anchor - 1)
