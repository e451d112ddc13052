"""A model outside the approved list invoked or enabled (CloudTrail)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...findings.model import Finding
from ...normalize.cloudtrail import ApiCall
from ...normalize.model_id import parse_model_id
from ..context import DetectContext, window_start
from ..patterns import api_calls
from ..registry import detector
from ._llmjacking import (
    INVOKE_CALLS,
    count_claim,
    event_member,
    event_ts,
    is_power_of_two,
    is_trusted,
    model_resources,
    softened,
)

DAY_SECONDS = 86400
# Calls that enable a model or commit spend on it, each naming it in requestParameters.modelId.
ENABLE_CALLS = frozenset({
    "CreateFoundationModelAgreement",
    "PutFoundationModelEntitlement",
    "CreateProvisionedModelThroughput",
    "CreateModelInvocationJob",
    "StartAsyncInvoke",
})


@detector(
    id="bedrock.unapproved_model",
    title="Bedrock model outside the approved list used",
    category="unapproved-model",
    severity="medium",
    phase="foundational",
    techniques=["AML.T0040"],
    function="DetectBedrockFunction",
    events=[api_calls("bedrock", sorted(INVOKE_CALLS | ENABLE_CALLS), errorCode=[{"exists": False}])],
    description=(
        "A model that config approved_models does not list was invoked, enabled (agreement, entitlement) or "
        "given capacity. Inference-profile ids and ARNs are resolved to their foundation model first. Only "
        "calls that succeeded are reported: a refused call used nothing (model-probing sees refusals)."
    ),
    false_positives=[
        "A team adopting a new model before the allow-list is updated.",
        "Identifiers aidr cannot resolve offline (application inference profiles, provisioned or custom model "
        "ARNs) are skipped and counted as 'dropped:unresolvable model id'.",
    ],
    references=["https://docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-support.html"],
)
def detect(event: dict[str, Any], ctx: DetectContext) -> Iterator[Finding]:
    """Report a model outside ``approved_models`` being invoked or enabled.

    The model id is resolved first (foundation-model ARNs, inference-profile ids and ARNs); ids that cannot
    be resolved offline are counted as ``dropped:unresolvable model id``. Enablement calls always emit;
    invocations emit on the 1st, 2nd, 4th, 8th... call of the day, so a busy client does not re-alert on
    every request. Medium, one step lower for trusted principals.

    Parameters
    ----------
    event : dict
        EventBridge envelope of one CloudTrail record (the record is ``event["detail"]``).
    ctx : DetectContext
        Config, state (windows and counts) and drop counters.

    Yields
    ------
    Finding
        One per identity, model and UTC day.

    Known false positives
    ---------------------
    - Teams adopting a model before the allow-list is updated.
    """
    if ctx.config.approved_models is None:
        return
    call = ApiCall(event["detail"])
    ref = parse_model_id(call.model_id)
    if ref is None:
        return
    if ref.model_id is None:
        ctx.counters["dropped:unresolvable model id"] += 1
        return
    model = ref.model_id
    if ctx.config.model_is_approved(model):
        return
    meta = detect.meta  # type: ignore[attr-defined]
    ts = event_ts(ctx, call)
    day = window_start(ctx.when(call.time), DAY_SECONDS)
    group = f"{call.actor_key}:{model}:{day}"
    enabling = call.event_name in ENABLE_CALLS
    how = "enabled" if enabling else "invoked"
    n = count_claim(ctx, f"{meta.id}:{group}:{how}", event_member(call, ts), ts, DAY_SECONDS * 2)
    if n is None or not (enabling or is_power_of_two(n)):
        return
    trusted = is_trusted(ctx, call)
    yield ctx.finding(
        meta,
        key=group,
        description=(
            f"{call.actor_arn or call.actor_key} {how} {model} ({call.event_name}), which is not in "
            f"approved_models ({n} such call(s) on this model today)."
        ),
        event_ids=[call.event_id],
        first_seen=call.time,
        account=call.account,
        region=call.region,
        principal=call.principal(),
        resources=model_resources([model]),
        evidence={**call.summary(), "model": model, "model_id_as_called": ref.raw, "model_id_kind": ref.kind,
                  "use": how, "calls_today": n, "trusted_principal": trusted},
        severity=softened(meta.severity, trusted),
    )
