"""PutEvents entries for invocation-log records, and the pointer that replaces a record too large to send.

Sizing and batching (at most 10 entries and 256 KB per request, sizes as EventBridge counts them) are the
runtime's (:mod:`aidr.runtime.publish`); here a record larger than :data:`MAX_ENTRY_BYTES` is offloaded.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from ..normalize.envelope import AIDR_SOURCE, INVOCATION_LOG
from ..normalize.invocation import AIDR_OFFLOAD_KEY
from ..normalize.timeutil import parse_time

# EventBridge refuses entries of 256 KB; keep a margin for the JSON framing the service also counts.
MAX_ENTRY_BYTES = 256 * 1024 - 2 * 1024
# Body fields dropped from a pointer event; the full record is in S3.
BODY_FIELDS = {"input": ("inputBodyJson",), "output": ("outputBodyJson",)}

Entry = dict[str, Any]


def make_entry(detail: dict[str, Any], bus: str, fallback_time: str | None = None) -> Entry:
    """An entry on the aidr bus carrying ``detail`` (an invocation-log record or a pointer to one).

    ``Time`` is the record's timestamp, else ``fallback_time`` (the CloudWatch Logs event time), so
    detectors' windows see when the call happened, not when it was forwarded.
    """
    entry: Entry = {
        "Source": AIDR_SOURCE,
        "DetailType": INVOCATION_LOG,
        "Detail": orjson.dumps(detail).decode(),
        "EventBusName": bus,
    }
    t: datetime | None = parse_time(detail.get("timestamp")) or parse_time(fallback_time)
    if t is not None:
        entry["Time"] = t
    return entry


def pointer_record(record: dict[str, Any], uri: str, size: int) -> dict[str, Any]:
    """The record without its bodies, plus where the full record is: enough for the metadata detectors."""
    out = {k: v for k, v in record.items() if k not in BODY_FIELDS}
    for side, drop in BODY_FIELDS.items():
        if isinstance(record.get(side), dict):
            out[side] = {k: v for k, v in record[side].items() if k not in drop}
    out[AIDR_OFFLOAD_KEY] = {"uri": uri, "bytes": size, "reason": "record exceeds the EventBridge entry limit"}
    return out
