"""Bedrock API keys (bearer tokens) used to change the account instead of invoking models.

CloudTrail marks a call authenticated by a Bedrock API key with ``callWithBearerToken``: in
``additionalEventData`` for ``bedrock.amazonaws.com``, in ``requestParameters`` (with ``bearerTokenType``) for
``bedrock-mantle.amazonaws.com``, the OpenAI/Anthropic-compatible endpoint. On bedrock-mantle only the management
events documented as changes are read (``MANTLE_CHANGE_CALLS``: fine-tuning jobs and projects), so inference and
listing through that endpoint, whatever CloudTrail names them, are never taken for control-plane use.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ...findings.model import Finding
from ...normalize.cloudtrail import ApiCall
from ..context import DetectContext
from ..patterns import BEDROCK_MANTLE, api_calls
from ..registry import detector
from ._llmjacking import MANTLE_CHANGE_CALLS, RUNTIME_CALLS, identity_burst, stage_finding

WINDOW_SECONDS = 60 * 60
# Calls that remove or weaken something: logging, guardrails, models, jobs, access (on bedrock-mantle: cancelling a
# fine-tuning job, archiving a project).
_DESTRUCTIVE = re.compile(
    r"^(Delete|Stop|Deregister|Disassociate)|^(PutModelInvocationLoggingConfiguration|CancelFineTuningJob|ArchiveProject)$")


@detector(
    id="bedrock.api_key_control_plane",
    title="Bedrock API key used for control-plane changes",
    category="credential-misuse",
    severity="medium",
    phase="foundational",
    techniques=["T1078.004"],
    playbook="revoke-principal",
    function="DetectBedrockFunction",
    # CloudTrail records every call authenticated by a Bedrock API key with callWithBearerToken = true (short- and
    # long-term keys alike): in additionalEventData on bedrock, in requestParameters on bedrock-mantle.
    events=[
        api_calls("bedrock", additionalEventData={"callWithBearerToken": [True, "true"]}),
        api_calls(BEDROCK_MANTLE, sorted(MANTLE_CHANGE_CALLS),
                  requestParameters={"callWithBearerToken": [True, "true"]}),
    ],
    description=(
        "Bedrock API keys exist so that applications that cannot sign requests can invoke models. A key that "
        "creates, changes or deletes Bedrock resources (logging configuration, guardrails, custom models, "
        "model access; on the OpenAI-compatible bedrock-mantle endpoint, fine-tuning jobs and projects) is being "
        "used beyond its purpose, typically by whoever found it in a repository."
    ),
    false_positives=[
        "A team that deliberately manages Bedrock resources with an API key (trust the key's IAM user).",
        "Read-only calls (listing models) are not reported: OpenAI-compatible clients make them.",
        "Fine-tuning or project administration done on purpose through bedrock-mantle with an API key, as the "
        "OpenAI SDK does (trust the key's IAM user, or use SigV4 credentials for that work).",
    ],
    references=[
        "https://docs.aws.amazon.com/bedrock/latest/userguide/api-keys.html",
        "https://docs.aws.amazon.com/bedrock/latest/userguide/logging-cloudtrail-mantle.html",
        "https://www.beyondtrust.com/blog/entry/aws-bedrock-security-guide-api-keys-detection-response",
    ],
)
def detect(event: dict[str, Any], ctx: DetectContext) -> Iterator[Finding]:
    """Report Bedrock API keys (bearer tokens) making control-plane changes.

    Fires on mutating calls other than the runtime ones (``RUNTIME_CALLS``) whose record carries
    ``callWithBearerToken`` (bedrock-mantle: only ``MANTLE_CHANGE_CALLS``): medium, high when one of them deletes,
    stops, cancels or replaces something (``_DESTRUCTIVE``), one step lower for trusted principals.

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
    - A team managing Bedrock resources with an API key on purpose (trust the key's IAM user).
    """
    call = ApiCall(event["detail"])
    if not call.bearer_token or call.read_only or call.event_name in RUNTIME_CALLS:
        return
    if call.service == BEDROCK_MANTLE and call.event_name not in MANTLE_CHANGE_CALLS:
        return
    meta = detect.meta  # type: ignore[attr-defined]
    destructive = bool(_DESTRUCTIVE.match(call.event_name))
    burst = identity_burst(ctx, meta, call, WINDOW_SECONDS, destructive=destructive)
    if burst is None:
        return
    any_destructive = any(m.data.get("destructive") for m in burst.members)
    yield stage_finding(
        ctx, meta, call, burst,
        description=(
            f"A Bedrock API key of {call.actor_arn or call.actor_key} made control-plane calls "
            f"({', '.join(burst.names())})" + (", some destructive." if any_destructive else ".")
        ),
        severity="high" if any_destructive else meta.severity,
        evidence={"credential": "bedrock-api-key", "destructive": any_destructive,
                  **({"bearer_token_type": call.bearer_token_type} if call.bearer_token_type else {})},
    )
