"""Read back a record the forwarder offloaded to S3, so its prompt and completion are scanned like any other.

A record too large for EventBridge travels as a pointer (the record without its bodies, plus ``aidrOffload``;
see :func:`aidr.logs.entries.pointer_record`). Without the bodies the content detectors would find nothing,
and padding a prompt past 256 KB would hide it from them. :func:`resolve_offloaded` swaps the pointer for the
full record from aidr's offload bucket.

Only aidr's own bucket and prefix are read (an event cannot point the function at another object), the
object must be the record the pointer names (same request id), and it is size-capped. An object that is gone
or unreadable leaves the pointer in place: the metadata detectors still run, and the reason is counted and
logged. Transient S3 errors propagate, so Lambda retries the event.

Examples
--------
>>> parse_uri("s3://aidr-offload/aidr/offload/2026/03/01/r-1.json")
('aidr-offload', 'aidr/offload/2026/03/01/r-1.json')
"""

from __future__ import annotations

from typing import Any

import orjson

from ..normalize.invocation import AIDR_OFFLOAD_KEY

OFFLOAD_PREFIX = "aidr/offload/"
# Bedrock's invocation records are at most a few MB (bodies above 100 KB go to S3 by Bedrock itself); a larger
# object is not one the forwarder wrote.
MAX_OFFLOADED_BYTES = 32 * 1024 * 1024
# Codes after which retrying cannot help: the object expired, was removed, or is not readable by this role.
PERMANENT_S3_ERRORS = frozenset({"NoSuchKey", "NoSuchBucket", "AccessDenied", "InvalidObjectState", "404", "403"})


def parse_uri(uri: Any) -> tuple[str, str] | None:
    if not isinstance(uri, str) or not uri.startswith("s3://"):
        return None
    bucket, _, key = uri[5:].partition("/")
    return (bucket, key) if bucket and key else None


def _error_code(e: Exception) -> str:
    response = getattr(e, "response", None)
    return str(((response or {}).get("Error") or {}).get("Code") or "") if isinstance(response, dict) else ""


def resolve_offloaded(detail: dict[str, Any], s3: Any, bucket: str | None) -> tuple[dict[str, Any], str | None]:
    """The full record for a pointer ``detail`` (and None), or ``detail`` unchanged and why it was kept.

    A detail that is not a pointer comes back unchanged with no reason.

    Raises
    ------
    Exception
        S3 errors other than :data:`PERMANENT_S3_ERRORS` (throttling, 5xx): the event is retried.
    """
    pointer = detail.get(AIDR_OFFLOAD_KEY)
    if pointer is None:
        return detail, None
    where = parse_uri(pointer.get("uri") if isinstance(pointer, dict) else None)
    if where is None:
        return detail, "offload pointer has no s3:// uri"
    if not bucket:
        return detail, "no offload bucket is configured for this function (AIDR_OFFLOAD_BUCKET)"
    if where[0] != bucket or not where[1].startswith(OFFLOAD_PREFIX):
        return detail, f"offload pointer names s3://{where[0]}/{where[1]}, outside s3://{bucket}/{OFFLOAD_PREFIX}"
    try:
        obj = s3.get_object(Bucket=where[0], Key=where[1])
    except Exception as e:
        if _error_code(e) in PERMANENT_S3_ERRORS:
            return detail, f"cannot read s3://{where[0]}/{where[1]}: {_error_code(e)}"
        raise
    size = obj.get("ContentLength")
    if isinstance(size, int) and size > MAX_OFFLOADED_BYTES:
        return detail, f"s3://{where[0]}/{where[1]} is {size} bytes, above {MAX_OFFLOADED_BYTES}"
    body = obj["Body"].read(MAX_OFFLOADED_BYTES + 1)
    if len(body) > MAX_OFFLOADED_BYTES:
        return detail, f"s3://{where[0]}/{where[1]} is above {MAX_OFFLOADED_BYTES} bytes"
    try:
        record = orjson.loads(body)
    except orjson.JSONDecodeError as e:
        return detail, f"s3://{where[0]}/{where[1]} is not valid JSON ({e})"
    if not isinstance(record, dict) or record.get("requestId") != detail.get("requestId"):
        return detail, f"s3://{where[0]}/{where[1]} is not the record of request {detail.get('requestId')!r}"
    return record, None
