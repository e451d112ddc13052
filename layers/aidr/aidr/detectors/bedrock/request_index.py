"""Who made a Bedrock runtime call, by request id: the CloudTrail side of invocation-log enrichment.

Invocation logs name the identity but carry no source IP, user agent or access key (DESIGN.md, facts about the
inputs). CloudTrail records the same runtime call (InvokeModel, Converse, ... as a management event) with all
three, and its ``requestID`` is the invocation log's ``requestId``. :func:`remember` keeps those facts in state
for :data:`TTL_SECONDS` (both records are delivered within minutes of the call, in either order); the
invocation-log detectors ask :func:`caller` when they build a finding.

Not a detector: it emits nothing. :class:`aidr.engine.Engine` calls :func:`remember` on every routed CloudTrail
API call before any detector runs (beside the inventory), so it does not depend on a detector wanting the event.

Examples
--------
>>> from aidr.config import AidrConfig
>>> from aidr.detectors.context import DetectContext
>>> from aidr.normalize.cloudtrail import ApiCall
>>> from aidr.state import MemoryState
>>> ctx = DetectContext(AidrConfig(), MemoryState())
>>> remember(ApiCall({"eventSource": "bedrock.amazonaws.com", "eventName": "Converse", "requestID": "r-1",
...     "eventID": "e-1", "eventTime": "2026-03-01T10:00:00Z", "sourceIPAddress": "203.0.113.7",
...     "userAgent": "Boto3/1.35.40", "userIdentity": {"accessKeyId": "ASIAEXAMPLEKEY000001"}}), ctx)
>>> caller("r-1", ctx)["source_ip"]
'203.0.113.7'
"""

from __future__ import annotations

from typing import Any

from ...normalize.cloudtrail import ApiCall
from ..context import DetectContext
from ._llmjacking import INVOKE_CALLS

KEY_PREFIX = "bedrock-request:"
MEMBER = "cloudtrail"
# CloudTrail and invocation logs both arrive within minutes of a call; a day covers late delivery and replays
# of a day's logs, and bounds what the state table keeps (one small item per runtime call).
TTL_SECONDS = 86400
MAX_USER_AGENT_CHARS = 256


def remember(call: ApiCall, ctx: DetectContext) -> None:
    """Record the caller of one Bedrock runtime call under its request id (other calls: no-op)."""
    request_id = call.raw.get("requestID")
    if call.event_name not in INVOKE_CALLS:
        return
    if not isinstance(request_id, str) or not request_id:
        return
    data: dict[str, Any] = {
        "source_ip": call.source_ip,
        "user_agent": call.user_agent[:MAX_USER_AGENT_CHARS] or None,
        "access_key_id": call.access_key_id,
        "cloudtrail_event_id": call.event_id,
        "event_name": call.event_name,
    }
    ts = ctx.when(call.time).timestamp()
    ctx.state.add(KEY_PREFIX + request_id, MEMBER, ts, TTL_SECONDS, {k: v for k, v in data.items() if v})


def caller(request_id: str | None, ctx: DetectContext) -> dict[str, Any] | None:
    """What CloudTrail said about the call with ``request_id``, or None when its record was not seen (yet)."""
    if not request_id:
        return None
    for m in ctx.state.members(KEY_PREFIX + request_id):
        return dict(m.data) or None
    return None
