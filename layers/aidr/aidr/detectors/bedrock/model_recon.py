"""Bedrock model recon: one identity enumerating models, model access and logging state in a burst.

Both endpoints count: ``bedrock.amazonaws.com`` (``ListFoundationModels``, ...) and ``bedrock-mantle.amazonaws.com``,
the OpenAI/Anthropic-compatible endpoint, whose ``GET /v1/models`` is recorded as ``ListModels`` (``GetModel`` for
one model). A key checked through either lands in the same per-identity window.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...findings.model import Finding
from ...normalize.cloudtrail import ApiCall
from ..context import DetectContext
from ..patterns import BEDROCK_MANTLE, api_calls
from ..registry import detector
from ._llmjacking import (
    MANTLE_RECON_CALLS,
    RECON_CALLS,
    burst_finding,
    credential_kind,
    is_aws_service,
    is_trusted,
    observe,
)

WINDOW_SECONDS = 15 * 60
MIN_CALLS = 5  # distinct recon events in the window
MIN_REGIONS = 3  # or this many regions swept


@detector(
    id="bedrock.model_recon",
    title="Bedrock models, model access and logging enumerated",
    category="model-recon",
    severity="medium",
    phase="foundational",
    techniques=["T1580", "T1526"],
    function="DetectBedrockFunction",
    events=[api_calls("bedrock", sorted(RECON_CALLS)), api_calls(BEDROCK_MANTLE, sorted(MANTLE_RECON_CALLS))],
    description=(
        "A burst of Bedrock enumeration by one identity: which foundation models exist and are available, "
        "whether model access was granted, which inference profiles exist, whether invocations are logged; on the "
        "OpenAI-compatible bedrock-mantle endpoint, GET /v1/models (ListModels, GetModel). LLMjacking tools run "
        "this right after validating stolen credentials or API keys, often across regions."
    ),
    false_positives=[
        "SDK clients and model pickers that list models at start-up in a restart loop (trust the role); OpenAI- "
        "and Anthropic-compatible tools pointed at bedrock-mantle call GET /v1/models (ListModels) often.",
        "Inventory and posture tools (CSPM, Prowler, Config rules) sweeping regions: list them in "
        "trusted_principals (they then report at low).",
        "Console sessions are not counted: the Bedrock console issues these calls on every page.",
    ],
    references=[
        "https://sysdig.com/blog/llmjacking-stolen-cloud-credentials-used-in-new-ai-attack/",
        "https://permiso.io/blog/exploiting-hosted-models",
        "https://docs.aws.amazon.com/bedrock/latest/userguide/logging-cloudtrail-mantle.html",
    ],
)
def detect(event: dict[str, Any], ctx: DetectContext) -> Iterator[Finding]:
    """Report an identity's burst of Bedrock enumeration.

    Fires when one identity makes ``MIN_CALLS`` recon calls, or calls from ``MIN_REGIONS`` regions, within
    ``WINDOW_SECONDS``: medium, high for a region sweep, low for trusted principals. Console sessions are
    dropped and counted as ``dropped:console recon``.

    Parameters
    ----------
    event : dict
        EventBridge envelope of one CloudTrail record (the record is ``event["detail"]``).
    ctx : DetectContext
        Config, state (windows and counts) and drop counters.

    Yields
    ------
    Finding
        One per identity and burst; later emissions carry every event id of the burst so far.

    Known false positives
    ---------------------
    - Clients listing models at start-up in a restart loop.
    - Posture scanners sweeping regions (trust them: low).
    """
    call = ApiCall(event["detail"])
    if is_aws_service(call):
        return
    if call.from_console:
        ctx.counters["dropped:console recon"] += 1
        return
    meta = detect.meta  # type: ignore[attr-defined]
    burst = observe(ctx, f"{meta.id}:{call.actor_key}", call, WINDOW_SECONDS)
    if burst is None:
        return
    regions = burst.distinct("region")
    if len(burst) < MIN_CALLS and len(regions) < MIN_REGIONS:
        return
    trusted = is_trusted(ctx, call)
    severity = "high" if len(regions) >= MIN_REGIONS else meta.severity
    names = ", ".join(burst.names())
    yield burst_finding(
        ctx,
        meta,
        call,
        burst,
        description=(
            f"{call.actor_arn or call.actor_key} made {len(burst)} Bedrock enumeration calls ({names}) in "
            f"{len(regions)} region(s) within {WINDOW_SECONDS // 60} minutes, with {credential_kind(call)} "
            "credentials: the recon an intruder runs before enabling and invoking models."
        ),
        evidence={"credential": credential_kind(call), "trusted_principal": trusted},
        severity="low" if trusted else severity,
    )
