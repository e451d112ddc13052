"""What the invocation-log detectors share: their routing, the finding's subject, and a small evidence block."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from ...findings.model import Principal, Resource
from ...normalize.envelope import AIDR_SOURCE, INVOCATION_LOG
from ...normalize.invocation import Invocation, invocation_from_event
from ...state.base import Member
from ..bedrock.request_index import caller
from ..context import DetectContext

FUNCTION = "DetectInvocationFunction"
INVOCATION_EVENTS: list[dict[str, Any]] = [{"source": [AIDR_SOURCE], "detail-type": [INVOCATION_LOG]}]
DAY = 86400
HOUR = 3600


_counted: Invocation | None = None


def read(event: dict[str, Any], ctx: DetectContext) -> Invocation:
    """The event's normalised record; fields it could not read are counted once per record (a metric in
    Lambda, the closing summary in replay) and named in the evidence of any finding on it."""
    global _counted
    inv = invocation_from_event(event)
    if inv.problems and inv is not _counted:
        _counted = inv
        ctx.counters["dropped:unreadable invocation-log field"] += len(inv.problems)
    return inv


def principal(inv: Invocation, access_key_id: str | None = None) -> Principal | None:
    arn = inv.identity_arn
    if not arn:
        return None
    kind = session = None
    if ":assumed-role/" in arn:
        kind, session = "AssumedRole", arn.rsplit("/", 1)[-1]
    elif ":user/" in arn:
        kind = "IAMUser"
    elif arn.endswith(":root"):
        kind = "Root"
    return Principal(arn=arn, type=kind, session_name=session, access_key_id=access_key_id)


def resources(inv: Invocation) -> list[Resource]:
    out = []
    if inv.model_id:
        out.append(Resource(type="AWS::Bedrock::FoundationModel", id=inv.model_id))
    if inv.raw_model_id and inv.raw_model_id != inv.model_id:
        # The inference profile (or provisioned/custom model) actually named in the call.
        out.append(Resource(type="AWS::Bedrock::Model", id=inv.raw_model_id))
    return out


def summary(inv: Invocation, ctx: DetectContext) -> dict[str, Any]:
    """Facts about the call, never its content; with the caller CloudTrail recorded for it, when seen."""
    out: dict[str, Any] = {"operation": inv.operation, "model_id": inv.model_id or inv.raw_model_id}
    if inv.raw_model_id and inv.raw_model_id != inv.model_id:
        out["model_id_as_called"] = inv.raw_model_id
    if inv.inference_region and inv.inference_region != inv.region:
        out["inference_region"] = inv.inference_region  # a cross-region inference profile ran it there
    if inv.request_id:
        out["request_id"] = inv.request_id
    if inv.error_code:
        out["error_code"] = inv.error_code
    if inv.stop_reason:
        out["stop_reason"] = inv.stop_reason
    if inv.problems:
        out["unreadable_fields"] = list(inv.problems[:5])
    seen = caller(inv.request_id, ctx)
    if seen:
        out["caller"] = seen  # source_ip, user_agent, access_key_id, cloudtrail_event_id (CloudTrail)
    return out


def subject(inv: Invocation, ctx: DetectContext) -> dict[str, Any]:
    """Keyword arguments of :meth:`DetectContext.finding` that every invocation finding shares."""
    return {
        "event_ids": [inv.request_id],
        "first_seen": ctx.when(inv.timestamp),
        "account": inv.account,
        "region": inv.region,
        "principal": principal(inv, (caller(inv.request_id, ctx) or {}).get("access_key_id")),
        "resources": resources(inv),
    }


def event_ts(inv: Invocation, ctx: DetectContext) -> float:
    return ctx.when(inv.timestamp).timestamp()


def record_member(inv: Invocation, ts: float) -> str:
    """A window member for this record: its request id (duplicate deliveries then count once)."""
    if inv.request_id:
        return inv.request_id
    return hashlib.sha256(f"{inv.identity_arn}|{inv.raw_model_id}|{ts}".encode()).hexdigest()[:24]


def text_digest(text: str) -> str:
    """Correlates findings on the same prompt without carrying it."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def burst(inv: Invocation, ctx: DetectContext, members: list[Member]) -> dict[str, Any]:
    """:func:`subject` for a finding made of a window of records (oldest first)."""
    return {
        **subject(inv, ctx),
        "event_ids": [m.member for m in members],
        "first_seen": datetime.fromtimestamp(members[0].ts, UTC),
        "last_seen": datetime.fromtimestamp(members[-1].ts, UTC),
    }
