"""Token and cost spikes far above an identity's own hourly baseline (LLMjacking, denial of wallet)."""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from dataclasses import astuple, dataclass
from typing import Any

from ...findings.model import Finding
from ...normalize.invocation import Invocation
from ...state.base import StateStore
from ..context import DetectContext
from ..registry import detector
from .common import DAY, FUNCTION, HOUR, INVOCATION_EVENTS, event_ts, read, record_member, subject, summary
from .pricing import estimated_cost

HISTORY_HOURS = 14 * 24
# Below this many active hours the baseline is young and fixed thresholds apply.
MIN_BASELINE_HOURS = 24
# Young baseline: an hour above these is abuse whatever the identity did before.
YOUNG_TOKENS = (2_000_000, 10_000_000)  # (medium, high)
YOUNG_COST = (25.0, 100.0)
# Mature baseline: a spike must clear median + K * (scaled MAD), a multiple of the median, and a floor.
MAD_K = 10.0
MEDIAN_MULTIPLE = (10.0, 50.0)  # (medium, high)
FLOOR_TOKENS = 200_000
FLOOR_COST = 5.0
MAD_SCALE = 1.4826  # MAD -> standard deviation under normality
PUT_RETRIES = 8


@dataclass(frozen=True)
class Hour:
    tokens: int
    cost: float
    calls: int


@dataclass(frozen=True)
class Baseline:
    """Robust statistics of an identity's active hours before the one being judged."""

    hours: int
    median_tokens: float = 0.0
    mad_tokens: float = 0.0
    median_cost: float = 0.0
    mad_cost: float = 0.0


def baseline(history: list[Hour]) -> Baseline:
    if len(history) < MIN_BASELINE_HOURS:
        return Baseline(len(history))
    med_t = statistics.median(h.tokens for h in history)
    med_c = statistics.median(h.cost for h in history)
    return Baseline(len(history), med_t, statistics.median(abs(h.tokens - med_t) for h in history),
                    med_c, statistics.median(abs(h.cost - med_c) for h in history))


# Records of an hour update that hour's own small item; the history (one bucket per active hour) is written
# once per identity and hour, when an hour opens. An hour stays open, and is folded into the history again at
# each opening, for this long after it: records arriving a little late still reach the baseline.
REFOLD_HOURS = 3


def usage_key(ident: str, hour: int | None = None) -> str:
    """The state key of an identity's hourly history, or of one hour's running totals."""
    return f"invocation:usage:{ident}" if hour is None else f"invocation:usage:{ident}:{hour}"


def _open_hour(state: StateStore, ident: str, hour: int) -> Baseline:
    """Fold the open hours before ``hour`` into the identity's history, open ``hour``, and return its baseline.

    Folding copies an hour's totals (it does not add them), so folding one twice is harmless.
    """
    for _ in range(PUT_RETRIES):
        value, version = state.get(usage_key(ident))
        value = value or {}
        buckets: dict[str, list[float]] = dict(value.get("h", {}))
        still_open = {hour}
        for h in value.get("open", []):
            if h < hour:
                item, _ = state.get(usage_key(ident, h))
                if item and isinstance(item.get("u"), list):
                    buckets[str(h)] = item["u"]
            if h >= hour - REFOLD_HOURS * HOUR:
                still_open.add(h)
        newest = max(hour, *(int(k) for k in buckets)) if buckets else hour
        buckets = {k: b for k, b in buckets.items() if int(k) > newest - HISTORY_HOURS * HOUR}
        if state.put(usage_key(ident), {"h": buckets, "open": sorted(still_open)}, version,
                     ttl_seconds=(HISTORY_HOURS + 24) * HOUR):
            return baseline([Hour(int(b[0]), float(b[1]), int(b[2])) for k, b in buckets.items() if int(k) < hour])
    raise RuntimeError(f"state {usage_key(ident)}: {PUT_RETRIES} concurrent updates lost; retry the event")


def _record(state: StateStore, ident: str, hour: int, inv: Invocation, cost: float) -> tuple[Hour, Baseline]:
    """Add the invocation to its hour (conditional put: concurrent writers retry); return that hour so far and
    the baseline of the hours before it, fixed when the hour opened (its first record)."""
    key = usage_key(ident, hour)
    for _ in range(PUT_RETRIES):
        value, version = state.get(key)
        if not value or not isinstance(value.get("u"), list) or not isinstance(value.get("b"), list):
            value = {"u": [0, 0.0, 0], "b": list(astuple(_open_hour(state, ident, hour)))}
        tokens, spent, calls = value["u"]
        value["u"] = [tokens + inv.total_tokens, round(spent + cost, 6), calls + 1]
        if state.put(key, value, version, ttl_seconds=(REFOLD_HOURS + 24) * HOUR):
            return Hour(*value["u"]), Baseline(*value["b"])
    raise RuntimeError(f"state {key}: {PUT_RETRIES} concurrent updates lost; retry the event")


def judge(current: Hour, base: Baseline) -> tuple[str | None, dict[str, Any]]:
    """Severity (None: normal) and the facts behind it."""
    if base.hours < MIN_BASELINE_HOURS:
        facts: dict[str, Any] = {"rule": "young baseline", "baseline_hours": base.hours}
        if current.tokens >= YOUNG_TOKENS[1] or current.cost >= YOUNG_COST[1]:
            return "high", facts
        if current.tokens >= YOUNG_TOKENS[0] or current.cost >= YOUNG_COST[0]:
            return "medium", facts
        return None, facts
    med_t, mad_t, med_c, mad_c = base.median_tokens, base.mad_tokens, base.median_cost, base.mad_cost
    facts = {"rule": "baseline", "baseline_hours": base.hours, "median_tokens_per_hour": med_t,
             "mad_tokens": mad_t, "median_cost_per_hour_usd": round(med_c, 4)}

    def over(value: float, med: float, mad: float, floor: float, multiple: float) -> bool:
        return value >= max(med + MAD_K * MAD_SCALE * mad, multiple * med, floor)

    for severity, multiple in (("high", MEDIAN_MULTIPLE[1]), ("medium", MEDIAN_MULTIPLE[0])):
        if over(current.tokens, med_t, mad_t, FLOOR_TOKENS, multiple) or over(
            current.cost, med_c, mad_c, FLOOR_COST, multiple
        ):
            return severity, facts
    return None, facts


@detector(
    id="invocation.model_abuse",
    title="Model usage far above the identity's baseline",
    category="model-abuse",
    severity="medium",
    phase="advanced",
    techniques=["AML.T0034", "AML.T0040"],
    playbook="revoke-principal",
    function=FUNCTION,
    events=INVOCATION_EVENTS,
    description=(
        "Tokens and estimated cost per identity are kept in hourly buckets (14 days, in state; each record updates "
        "only its hour's small item). An hour far above "
        "the identity's own median (median + 10 scaled MADs, at least 10x the median and above a floor; 50x is "
        f"high) fires. While fewer than {MIN_BASELINE_HOURS} active hours are known, fixed limits apply "
        f"({YOUNG_TOKENS[0]:,} tokens or ${YOUNG_COST[0]:.0f} an hour; {YOUNG_TOKENS[1]:,} or "
        f"${YOUNG_COST[1]:.0f} is high). Stolen credentials resold for LLM access show up this way."
    ),
    false_positives=[
        "Batch jobs and evaluations run by an identity that is normally interactive.",
        "A product launch: baselines follow real growth after a day or two.",
    ],
    references=["https://sysdig.com/blog/llmjacking-stolen-cloud-credentials-used-in-new-ai-attack/"],
)
def detect(event: dict[str, Any], ctx: DetectContext) -> Iterator[Finding]:
    inv = read(event, ctx)
    if inv.total_tokens <= 0:
        return
    ts = event_ts(inv, ctx)
    ident = inv.identity_key
    # Each record counts once, however often it is delivered.
    if not ctx.state.first_time(f"invocation:usage-seen:{ident}", record_member(inv, ts), ts,
                                ttl_seconds=2 * DAY):
        return
    hour = int(ts) - int(ts) % HOUR
    cost = estimated_cost(inv)
    current, base = _record(ctx.state, ident, hour, inv, cost)
    severity, facts = judge(current, base)
    if severity is None:
        return
    meta = detect.meta  # type: ignore[attr-defined]
    yield ctx.finding(
        meta,
        key=f"{ident}:{hour}",
        description=(
            f"{inv.identity_arn or 'An unknown identity'} used {current.tokens:,} tokens (about "
            f"${current.cost:,.2f}) in {current.calls} invocations within one hour, far above its baseline "
            f"({facts['rule']})."
        ),
        evidence={**summary(inv, ctx), "hour_tokens": current.tokens, "hour_cost_usd": round(current.cost, 2),
                  "hour_invocations": current.calls, **facts},
        severity=severity,
        **subject(inv, ctx),
    )
