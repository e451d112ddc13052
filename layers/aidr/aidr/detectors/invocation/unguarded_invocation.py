"""Invocations that carry no guardrail where the account requires one."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...findings.model import Finding
from ..context import DetectContext, window_start
from ..registry import detector
from .common import DAY, FUNCTION, INVOCATION_EVENTS, read, subject, summary


@detector(
    id="invocation.unguarded_invocation",
    title="Model invoked without the required guardrail",
    category="unguarded-invocation",
    severity="medium",
    phase="foundational",
    techniques=["AML.T0051"],
    function=FUNCTION,
    events=INVOCATION_EVENTS,
    description=(
        "With require_guardrails set, a successful invocation whose logged request and response show no "
        "guardrail at all: no guardrailConfig or guardContent in the request, no guardrail trace, no "
        "amazon-bedrock-guardrailAction in the response. One finding per identity, model and day. Records whose "
        "bodies were not logged or were offloaded to S3 cannot be judged and are only counted."
    ),
    false_positives=[
        "Guardrails applied through InvokeModel headers with trace disabled on a provider whose response does "
        "not echo amazon-bedrock-guardrailAction.",
        "Embedding models, which guardrails do not cover.",
    ],
    references=["https://docs.aws.amazon.com/bedrock/latest/userguide/guardrails-use.html"],
)
def detect(event: dict[str, Any], ctx: DetectContext) -> Iterator[Finding]:
    if not ctx.config.require_guardrails:
        return
    inv = read(event, ctx)
    if inv.error_code or inv.guardrail_configured:
        return
    if not inv.content_known:
        ctx.counters["dropped:invocation body not logged (guardrail use unknown)"] += 1
        return
    meta = detect.meta  # type: ignore[attr-defined]
    model = inv.model_id or inv.raw_model_id
    day = window_start(ctx.when(inv.timestamp), DAY)
    yield ctx.finding(
        meta,
        key=f"{inv.identity_key}:{model}:{day}",
        description=(
            f"{inv.identity_arn or 'An unknown identity'} invoked {model} ({inv.operation}) without a guardrail, "
            "although require_guardrails is set."
        ),
        evidence=summary(inv, ctx),
        **subject(inv, ctx),
    )
