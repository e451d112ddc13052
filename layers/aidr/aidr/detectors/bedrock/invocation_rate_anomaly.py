"""Bedrock invocation rate far above the identity's own history, per model (CloudTrail)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from statistics import median
from typing import Any

from ...errors import AidrError
from ...findings.model import Finding
from ...normalize.cloudtrail import ApiCall
from ..context import DetectContext, window_start
from ..patterns import api_calls
from ..registry import detector
from ._llmjacking import (
    INVOKE_CALLS,
    event_member,
    event_ts,
    is_aws_service,
    is_trusted,
    iso,
    model_of,
    model_resources,
    softened,
)

HOUR = 3600
HISTORY_HOURS = 7 * 24  # hourly buckets kept per identity and model
MIN_HISTORY_HOURS = 24  # active hours before the robust rule replaces the absolute one
K_MAD = 6.0  # threshold = median + K_MAD * MAD over the active hours of history
MIN_RATE = 60  # never flag an hour with fewer calls than this
YOUNG_RATE = 1000  # calls per hour that are abuse for an identity with little history
SEVERE_FACTOR = 5  # this many times the threshold is high severity


@dataclass(frozen=True)
class Baseline:
    threshold: float
    rule: str  # "robust" (median + k*MAD) or "young" (absolute, too little history)
    history_hours: int
    median: float
    mad: float


def baseline(history: list[int]) -> Baseline:
    """The hourly call count above which an hour is anomalous, from the counts of past active hours.

    Examples
    --------
    >>> baseline([100] * 30).threshold
    160.0
    >>> baseline([5, 7]).rule
    'young'
    """
    if len(history) < MIN_HISTORY_HOURS:
        med = median(history) if history else 0.0
        return Baseline(float(YOUNG_RATE), "young", len(history), float(med), 0.0)
    med = float(median(history))
    mad = float(median(abs(x - med) for x in history))
    # A perfectly regular client has MAD 0: allow at least 10 % of its median (and one call) of spread.
    spread = max(mad, 1.0, 0.1 * med)
    return Baseline(max(float(MIN_RATE), med + K_MAD * spread), "robust", len(history), med, mad)


@detector(
    id="bedrock.invocation_rate_anomaly",
    title="Bedrock invocation rate far above the identity's baseline",
    category="model-abuse",
    severity="medium",
    phase="enhanced",
    techniques=["AML.T0034", "AML.T0040"],
    playbook="revoke-principal",
    function="DetectBedrockFunction",
    events=[api_calls("bedrock", sorted(INVOKE_CALLS), errorCode=[{"exists": False}])],
    description=(
        "Counts successful Invoke*/Converse* calls per identity and model in hourly buckets and compares the "
        "current hour with that identity's own past week (median + 6 MAD over active hours). While the "
        f"history is shorter than {MIN_HISTORY_HOURS} active hours, {YOUNG_RATE} calls in an hour is the "
        "bar. LLMjacking resale proxies and denial-of-wallet attacks show up as a step change in rate."
    ),
    false_positives=[
        "Batch jobs, evaluations and launches that legitimately multiply traffic (trust the role, or expect "
        "one finding per day per model).",
        "A new application's first day above the absolute bar.",
    ],
    references=["https://sysdig.com/blog/llmjacking-stolen-cloud-credentials-used-in-new-ai-attack/"],
)
def detect(event: dict[str, Any], ctx: DetectContext) -> Iterator[Finding]:
    """Report an hour of invocations far above the identity's own baseline for the model.

    Fires when the hour's count of successful calls reaches :func:`baseline`'s threshold, and again each
    time it doubles after that. Medium, high at ``SEVERE_FACTOR`` times the threshold, one step lower for
    trusted principals. Each event is claimed before it is counted, so re-delivery changes no count.

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
    - Batch jobs and launches that multiply traffic on purpose.
    - A new application's first busy day (absolute bar while history is young).
    """
    call = ApiCall(event["detail"])
    if is_aws_service(call):
        return
    meta = detect.meta  # type: ignore[attr-defined]
    model = model_of(call) or "unknown"
    ts = event_ts(ctx, call)
    hour = int(ts) - int(ts) % HOUR
    subject = f"{call.actor_key}:{model}"
    # Claim the event first: a re-delivered event changes no count.
    if not ctx.state.add(f"{meta.id}:seen:{subject}:{hour}", event_member(call, ts), ts, 2 * HOUR,
                         data={"event_id": call.event_id}):
        return
    count, base, alert = _count(ctx, f"{meta.id}:hours:{subject}", hour)
    if not alert:
        return
    trusted = is_trusted(ctx, call)
    severe = count >= SEVERE_FACTOR * base.threshold
    seen = ctx.state.members(f"{meta.id}:seen:{subject}:{hour}")
    yield ctx.finding(
        meta,
        key=f"{subject}:{window_start(ctx.when(call.time), 86400)}",
        description=(
            f"{call.actor_arn or call.actor_key} invoked {model} {count} times in the hour from {iso(hour)}, "
            f"above its baseline of {base.threshold:.0f} per hour ({base.rule} rule, "
            f"{base.history_hours} active hours of history)."
        ),
        event_ids=[call.event_id, *(m.data.get("event_id") for m in seen[:50])],
        first_seen=call.time,
        account=call.account,
        region=call.region,
        principal=call.principal(),
        resources=model_resources([model]),
        evidence={"model": model, "hour": iso(hour), "calls_this_hour": count, "threshold": round(base.threshold),
                  "rule": base.rule, "history_hours": base.history_hours, "median": base.median, "mad": base.mad,
                  "trusted_principal": trusted},
        severity=softened("high" if severe else meta.severity, trusted),
    )


def _count(ctx: DetectContext, key: str, hour: int) -> tuple[int, Baseline, bool]:
    """Add one call to ``hour`` in the identity's hourly buckets; return the hour's count, the baseline from
    the earlier hours, and whether to alert (first crossing, then each doubling since the last alert)."""
    for _ in range(8):
        value, version = ctx.state.get(key)
        hours: dict[str, int] = dict((value or {}).get("hours", {}))
        alerted: dict[str, int] = dict((value or {}).get("alerted", {}))
        count = hours.get(str(hour), 0) + 1
        hours[str(hour)] = count
        oldest = hour - HISTORY_HOURS * HOUR
        hours = {h: c for h, c in hours.items() if int(h) >= oldest}
        alerted = {h: c for h, c in alerted.items() if int(h) >= oldest}
        base = baseline([c for h, c in hours.items() if int(h) < hour])
        last = alerted.get(str(hour), 0)
        alert = count >= math.ceil(base.threshold) and (last == 0 or count >= 2 * last)
        if alert:
            alerted[str(hour)] = count
        if ctx.state.put(key, {"hours": hours, "alerted": alerted}, version, (HISTORY_HOURS + 24) * HOUR):
            return count, base, alert
    # Let Lambda retry; the event is already claimed, so the retry leaves it uncounted rather than counted twice.
    raise AidrError(f"state contention on {key}")
