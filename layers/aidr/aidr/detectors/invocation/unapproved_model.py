"""A model outside the approved list was invoked (read from the invocation log, the model resolved first)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...findings.model import Finding
from ..context import DetectContext
from ..registry import detector
from .common import FUNCTION, INVOCATION_EVENTS, read, subject, summary


@detector(
    id="invocation.unapproved_model",
    title="Bedrock model outside the approved list invoked",
    category="unapproved-model",
    severity="medium",
    phase="foundational",
    techniques=["AML.T0040"],
    function=FUNCTION,
    events=INVOCATION_EVENTS,
    description=(
        "An invocation-log record names a model that is not in the configured approved_models. The model id is "
        "resolved first: a cross-region inference profile (us./eu./apac./global. ids or their ARNs) is judged by "
        "the foundation model it serves. Stolen keys are often used on models the owner never enabled, and "
        "unvetted models bypass the evaluation the approved ones went through. A failed call (errorCode) is an "
        "attempt and is reported at low severity."
    ),
    false_positives=[
        "A team adopting a new model before the approved list is updated.",
        "Application inference profiles, provisioned throughput and custom models: their ARN does not name the "
        "foundation model; approve the ARN (or its prefix) explicitly.",
    ],
    references=["https://docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-support.html"],
)
def detect(event: dict[str, Any], ctx: DetectContext) -> Iterator[Finding]:
    cfg = ctx.config
    if cfg.approved_models is None:
        return
    inv = read(event, ctx)
    if not inv.raw_model_id:
        ctx.counters["dropped:invocation without modelId"] += 1
        return
    if (inv.model_id and cfg.model_is_approved(inv.model_id)) or cfg.model_is_approved(inv.raw_model_id):
        return
    meta = detect.meta  # type: ignore[attr-defined]
    model = inv.model_id or inv.raw_model_id
    who = inv.identity_arn or "an unknown identity"
    outcome = f"failed with {inv.error_code}" if inv.error_code else "succeeded"
    yield ctx.finding(
        meta,
        key=f"{inv.account}:{inv.identity_key}:{model}",
        description=(
            f"{who} called {inv.operation or 'a model'} on {model}, which is not in approved_models; the call "
            f"{outcome}."
            + ("" if inv.model_id else " The model id could not be resolved to a foundation model.")
        ),
        evidence={**summary(inv, ctx), "resolved": inv.model_id is not None},
        severity="low" if inv.error_code else None,
        **subject(inv, ctx),
    )
