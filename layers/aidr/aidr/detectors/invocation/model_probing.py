"""Key validation by provoking errors: bursts of failed invocations across models or regions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...findings.model import Finding
from ...normalize.cloudtrail import PROBE_ERROR_CODES
from ..context import DetectContext, window_start
from ..registry import detector
from .common import FUNCTION, HOUR, INVOCATION_EVENTS, burst, event_ts, read, record_member, summary

WINDOW_SECONDS = 900
MIN_ERRORS = 5
# Without spread over models or regions, this many errors in the window are still probing.
MIN_ERRORS_ONE_MODEL = 10
HIGH_ERRORS = 20
HIGH_MODELS = 5
HIGH_REGIONS = 3
# Errors that say something about the caller's access rather than about load.
PROBE_CODES = PROBE_ERROR_CODES | {"UnrecognizedClientException", "ModelNotReadyException"}


@detector(
    id="invocation.model_probing",
    title="Model probing: burst of failed invocations",
    category="model-probing",
    severity="medium",
    phase="enhanced",
    techniques=["AML.T0040", "T1580"],
    playbook="revoke-principal",
    function=FUNCTION,
    events=INVOCATION_EVENTS,
    description=(
        f"One identity's invocations failed with access or validation errors at least {MIN_ERRORS} times in "
        f"{WINDOW_SECONDS // 60} minutes across two or more models or regions (or {MIN_ERRORS_ONE_MODEL} times "
        "on one). Holders of stolen keys test which models answer: a ValidationException means the model is "
        "reachable, AccessDenied that it is not. A single error is not a burst."
    ),
    false_positives=[
        "A deployment rolling out a misconfigured model id or request body to many workers.",
        "Model-availability checks by platform tooling across regions.",
    ],
    references=["https://permiso.io/blog/exploiting-hosted-models"],
)
def detect(event: dict[str, Any], ctx: DetectContext) -> Iterator[Finding]:
    inv = read(event, ctx)
    if inv.error_code not in PROBE_CODES:
        return
    ts = event_ts(inv, ctx)
    members = ctx.state.window_count(
        f"invocation:errors:{inv.identity_key}", record_member(inv, ts), ts, WINDOW_SECONDS,
        data={"model": inv.model_id or inv.raw_model_id or "", "region": inv.region or "", "code": inv.error_code},
    )
    models = {m.data.get("model") for m in members} - {""}
    regions = {m.data.get("region") for m in members} - {""}
    n = len(members)
    if n < MIN_ERRORS or (len(models) < 2 and len(regions) < 2 and n < MIN_ERRORS_ONE_MODEL):
        return
    high = n >= HIGH_ERRORS or len(models) >= HIGH_MODELS or len(regions) >= HIGH_REGIONS
    codes = sorted({m.data.get("code", "") for m in members})
    meta = detect.meta  # type: ignore[attr-defined]
    yield ctx.finding(
        meta,
        key=f"{inv.identity_key}:{window_start(ctx.when(inv.timestamp), HOUR)}",
        description=(
            f"{inv.identity_arn or 'An unknown identity'} had {n} failed invocations ({', '.join(codes)}) on "
            f"{len(models)} model(s) in {len(regions)} region(s) within {WINDOW_SECONDS // 60} minutes."
        ),
        evidence={**summary(inv, ctx), "errors": n, "error_codes": codes, "models": sorted(models)[:20],
                  "regions": sorted(regions), "window_seconds": WINDOW_SECONDS},
        severity="high" if high else None,
        **burst(inv, ctx, members),
    )
