"""Checks on the one EventBridge event a function receives, and the id that makes its processing idempotent."""

from __future__ import annotations

import time
from typing import Any

from ..errors import InputError

# Every event EventBridge delivers carries these:
# https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-events-structure.html
ENVELOPE_FIELDS = ("version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail")


def require_envelope(event: Any, source: str | None = None, detail_type: str | None = None) -> dict[str, Any]:
    """Return ``event`` when it is an EventBridge event (of ``source``/``detail_type`` when given).

    Raises
    ------
    InputError
        Naming what is missing or wrong: a function invoked with the wrong payload (a bare CloudTrail record,
        an SQS batch, a test event without ``detail``) must say so, not fail somewhere deep in a detector.
    """
    if not isinstance(event, dict):
        raise InputError(f"expected one EventBridge event (a JSON object), got {type(event).__name__}", "event")
    missing = [f for f in ENVELOPE_FIELDS if f not in event]
    where = f"event {event.get('id')}" if isinstance(event.get("id"), str) else "event"
    if missing:
        hint = " (a bare CloudTrail record? wrap it as EventBridge delivers it)" if "eventSource" in event else ""
        raise InputError(f"not an EventBridge event: missing {', '.join(missing)}{hint}", where)
    if not isinstance(event["detail"], dict):
        raise InputError(f"'detail' must be an object, got {type(event['detail']).__name__}", where)
    for key, want in (("source", source), ("detail-type", detail_type)):
        if want is not None and event[key] != want:
            raise InputError(f"expected {key} {want!r}, got {event[key]!r}", where)
    return event


def dedup_id(event: dict[str, Any]) -> str:
    """The id claimed for idempotency.

    The CloudTrail ``eventID`` or invocation-log ``requestId`` when present: they stay the same when a record is
    delivered twice in different envelopes (two rules, a forwarder retry). Otherwise the envelope id, which is
    per GuardDuty finding *update* (an updated finding is new information).
    """
    detail = event["detail"]
    for key in ("eventID", "requestId"):
        v = detail.get(key)
        if isinstance(v, str) and v:
            return v
    return str(event["id"])


def event_ts(event: dict[str, Any]) -> float:
    """Event time in epoch seconds (wall time when the envelope's time is unusable)."""
    from ..normalize.timeutil import parse_time

    t = parse_time(event.get("time"))
    return t.timestamp() if t is not None else time.time()
