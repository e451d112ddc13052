"""One identity repeatedly stopped by guardrails: someone searching for a prompt that gets through."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from ...findings.model import Finding
from ...normalize.invocation import Invocation
from ..context import DetectContext, window_start
from ..registry import detector
from .common import FUNCTION, HOUR, INVOCATION_EVENTS, burst, event_ts, read, record_member, summary

WINDOW_SECONDS = 600
MIN_INTERVENTIONS = 5
HIGH_INTERVENTIONS = 20


def blocked_policies(inv: Invocation) -> list[str]:
    """``policy:type`` of each verdict that acted (e.g. ``content:PROMPT_ATTACK``), or the stop reason."""
    found = sorted({f"{g.policy}:{g.type or '?'}" for g in inv.guardrails if g.intervened})
    return found or ["unspecified"]


@detector(
    id="invocation.guardrail_block_burst",
    title="Burst of guardrail interventions for one identity",
    category="guardrail-block-burst",
    severity="medium",
    phase="foundational",
    techniques=["AML.T0051", "AML.T0054"],
    function=FUNCTION,
    events=INVOCATION_EVENTS,
    description=(
        f"At least {MIN_INTERVENTIONS} invocations by one identity (sessions of a role count as the role) were "
        f"stopped by a guardrail within {WINDOW_SECONDS // 60} minutes: stopReason guardrail_intervened "
        "(Converse), amazon-bedrock-guardrailAction INTERVENED (InvokeModel and its stream chunks), or a trace "
        f"assessment that blocked or masked. {HIGH_INTERVENTIONS} or more is high. Single interventions are "
        "ordinary; repeated ones are an attacker (or a broken client) iterating on a blocked request."
    ),
    false_positives=[
        "Guardrail tuning sessions and red-team exercises.",
        "An application looping on a request its guardrail always blocks.",
    ],
    references=["https://docs.aws.amazon.com/bedrock/latest/userguide/guardrails.html"],
)
def detect(event: dict[str, Any], ctx: DetectContext) -> Iterator[Finding]:
    inv = read(event, ctx)
    if not inv.guardrail_intervened:
        return
    ts = event_ts(inv, ctx)
    members = ctx.state.window_count(
        f"invocation:guardrail:{inv.identity_key}", record_member(inv, ts), ts, WINDOW_SECONDS,
        data={"policies": blocked_policies(inv)},
    )
    if len(members) < MIN_INTERVENTIONS:
        return
    meta = detect.meta  # type: ignore[attr-defined]
    policies = Counter(p for m in members for p in m.data.get("policies", []))
    yield ctx.finding(
        meta,
        key=f"{inv.identity_key}:{window_start(ctx.when(inv.timestamp), HOUR)}",
        description=(
            f"Guardrails intervened {len(members)} times in {WINDOW_SECONDS // 60} minutes for "
            f"{inv.identity_arn or 'an unknown identity'} (latest on {inv.model_id or inv.raw_model_id})."
        ),
        evidence={**summary(inv, ctx), "interventions": len(members), "window_seconds": WINDOW_SECONDS,
                  "policies": dict(policies.most_common(10))},
        severity="high" if len(members) >= HIGH_INTERVENTIONS else None,
        **burst(inv, ctx, members),
    )
