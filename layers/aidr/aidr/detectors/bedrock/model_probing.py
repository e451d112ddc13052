"""Bedrock model probing: bursts of invocation errors that map what a (stolen) key can do."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...findings.model import Finding, lower_severity
from ...normalize.cloudtrail import ApiCall
from ..context import DetectContext
from ..patterns import api_calls
from ..registry import detector
from ._llmjacking import INVOKE_CALLS, classify_error, identity_burst, is_aws_service, model_of, stage_finding

WINDOW_SECONDS = 10 * 60
MIN_ERRORS = 5  # probe errors in the window, or
MIN_SPREAD_ERRORS = 3  # this many across at least two models or regions
WIDE_REGIONS = 3  # a sweep this wide is high severity


@detector(
    id="bedrock.model_probing",
    title="Bedrock model probing with failing invocations",
    category="model-probing",
    severity="medium",
    phase="foundational",
    techniques=["AML.T0040", "T1580"],
    playbook="revoke-principal",
    function="DetectBedrockFunction",
    events=[api_calls("bedrock", sorted(INVOKE_CALLS), errorCode=[{"exists": True}])],
    description=(
        "Intruders validate stolen keys with invocations built to fail: a ValidationException (bad parameters) "
        "proves the key may invoke the model, AccessDenied or ResourceNotFound that it may not. A burst of "
        "them across models or regions from one identity maps the key's reach."
    ),
    false_positives=[
        "A client deployed with a wrong model id or request schema, retrying (one model, one region: needs "
        f"{MIN_ERRORS} errors to fire).",
        "Someone trying models in the console playground before access is granted (console: one step lower).",
        "Model lifecycle errors (end of life, legacy, on-demand throughput needing an inference profile) and "
        "throttling are not probes: they are dropped and counted as 'dropped:benign model error'.",
    ],
    references=["https://permiso.io/blog/exploiting-hosted-models"],
)
def detect(event: dict[str, Any], ctx: DetectContext) -> Iterator[Finding]:
    """Report a burst of probing invocation errors by one identity.

    Fires on ``MIN_ERRORS`` probe errors, or ``MIN_SPREAD_ERRORS`` across two models or regions, within
    ``WINDOW_SECONDS``; a single error is never a burst. High when ``WIDE_REGIONS`` regions are probed, one
    step lower from a console session or a trusted principal. Known-benign errors (lifecycle, on-demand
    throughput, throttling) are counted as ``dropped:benign model error``.

    Parameters
    ----------
    event : dict
        EventBridge envelope of one CloudTrail record (the record is ``event["detail"]``).
    ctx : DetectContext
        Config, state (windows and counts) and drop counters.

    Yields
    ------
    Finding
        One per identity and burst, with the models, regions and error codes.

    Known false positives
    ---------------------
    - A misconfigured client retrying one model (needs ``MIN_ERRORS``).
    - Trying not-yet-enabled models in the console playground (one step lower).
    """
    call = ApiCall(event["detail"])
    kind = classify_error(call)
    if kind == "benign":
        ctx.counters["dropped:benign model error"] += 1
        return
    if kind != "probe" or is_aws_service(call):
        return
    meta = detect.meta  # type: ignore[attr-defined]
    burst = identity_burst(ctx, meta, call, WINDOW_SECONDS, model=model_of(call) or "unknown", error=call.error_code)
    if burst is None:
        return
    models, regions = burst.distinct("model"), burst.distinct("region")
    spread = len(models) >= 2 or len(regions) >= 2
    if len(burst) < MIN_ERRORS and not (len(burst) >= MIN_SPREAD_ERRORS and spread):
        return
    severity = "high" if len(regions) >= WIDE_REGIONS else meta.severity
    if call.from_console:
        severity = lower_severity(severity)
    yield stage_finding(
        ctx, meta, call, burst,
        description=(
            f"{call.actor_arn or call.actor_key} had {len(burst)} failing Bedrock invocations "
            f"({', '.join(burst.distinct('error'))}) on {len(models)} model(s) in {len(regions)} region(s) within "
            f"{WINDOW_SECONDS // 60} minutes: the pattern of a key being validated."
        ),
        severity=severity,
        models=models,
        evidence={"errors": burst.distinct("error")},
    )
