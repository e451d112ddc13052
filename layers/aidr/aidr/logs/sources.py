"""Where invocation-log records come from: CloudWatch Logs subscription payloads and S3 log objects.

Both readers yield :class:`SourceRecord` for each record and :class:`BadRecord` for whatever cannot be
read (with what went wrong and where), so one bad line never stops the rest of a batch and never
disappears: the forwarder dead-letters bad records.
"""

from __future__ import annotations

import base64
import binascii
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote_plus

import orjson

from ..errors import InputError
from ..ingest import GZIP_MAGIC, iter_document, iter_lines
from ..normalize.invocation import invocation_records, is_invocation_record

# Decompressed size refused (a gzip bomb must not exhaust the function's memory). CloudWatch Logs events
# are at most 1 MB each; S3 log objects hold batches of records.
MAX_DECOMPRESSED_BYTES = 256 * 1024 * 1024
CONTROL_MESSAGE = "CONTROL_MESSAGE"
# Objects under an invocation-log prefix that are not log files: bodies and media Bedrock offloads
# (".../data/<requestId>_input.json.gz") and the marker Bedrock writes when logging is configured.
NOT_LOG_OBJECT_MARKERS = ("/data/", "amazon-bedrock-logs-permission-check")


@dataclass(frozen=True)
class SourceRecord:
    """One invocation-log record, where it was read, and a time to use if the record has none."""

    location: str
    record: dict[str, Any]
    time: str | None = None


@dataclass(frozen=True)
class BadRecord:
    """Input that could not be turned into records. ``raw`` is what was read (bytes or text), if anything."""

    location: str
    reason: str
    raw: str | bytes | None = None


Item = SourceRecord | BadRecord


def gunzip(data: bytes, where: str, limit: int = MAX_DECOMPRESSED_BYTES) -> bytes:
    """Decompress a gzip stream (concatenated members too), refusing truncated, corrupt or oversized ones."""
    out: list[bytes] = []
    size = 0
    try:
        while data:
            d = zlib.decompressobj(wbits=31)
            pending = data
            while True:
                chunk = d.decompress(pending, limit - size + 1)
                size += len(chunk)
                out.append(chunk)
                if size > limit:
                    raise InputError(f"decompressed size exceeds {limit} bytes", where)
                if not d.unconsumed_tail:
                    break
                pending = d.unconsumed_tail
            if not d.eof:
                raise InputError("truncated gzip stream (ends early)", where)
            data = d.unused_data
    except zlib.error as e:
        raise InputError(f"corrupt gzip stream: {e}", where) from None
    return b"".join(out)


def iso_millis(ms: Any) -> str | None:
    if isinstance(ms, int) and not isinstance(ms, bool):
        try:
            return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        except (OverflowError, OSError, ValueError):
            return None
    return None


def decode_awslogs(event: dict[str, Any]) -> dict[str, Any]:
    """The payload of a CloudWatch Logs subscription event (``{"awslogs": {"data": base64(gzip(json))}}``).

    Raises
    ------
    InputError
        Naming the step that failed: missing field, base64, gzip, JSON, or not an object.
    """
    where = "awslogs.data"
    data = event.get("awslogs", {}).get("data") if isinstance(event.get("awslogs"), dict) else None
    if not isinstance(data, str) or not data:
        raise InputError("event has no awslogs.data string", where)
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as e:
        raise InputError(f"not base64: {e}", where) from None
    if not raw.startswith(GZIP_MAGIC):
        raise InputError("not a gzip stream", where)
    text = gunzip(raw, where)
    try:
        payload = orjson.loads(text)
    except orjson.JSONDecodeError as e:
        raise InputError(f"decompressed payload is not JSON: {e}", where) from None
    if not isinstance(payload, dict):
        raise InputError(f"payload is a {type(payload).__name__}, not an object", where)
    return payload


def records_from_message(message: Any, location: str, time: str | None = None) -> Iterator[Item]:
    """The records in one log message: a record, or a bare JSON array of records."""
    if not isinstance(message, str):
        yield BadRecord(location, f"message is a {type(message).__name__}, not a string")
        return
    try:
        obj = orjson.loads(message)
    except orjson.JSONDecodeError as e:
        yield BadRecord(location, f"invalid JSON: {e}", message)
        return
    found = False
    for i, rec in enumerate(invocation_records(obj)):
        found = True
        yield SourceRecord(f"{location}[{i}]" if isinstance(obj, list) else location, rec, time)
    if not found:
        yield BadRecord(location, "not a model-invocation-log record (no schemaType ModelInvocationLog)", message)


def records_from_awslogs(event: dict[str, Any]) -> Iterator[Item]:
    """Records of a subscription event; control messages (CloudWatch's own connectivity checks) yield nothing."""
    try:
        payload = decode_awslogs(event)
    except InputError as e:
        yield BadRecord(e.source, e.reason, _raw_data(event))
        return
    if payload.get("messageType") == CONTROL_MESSAGE:
        return
    group, stream = payload.get("logGroup", "?"), payload.get("logStream", "?")
    events = payload.get("logEvents")
    if not isinstance(events, list):
        yield BadRecord(f"{group}/{stream}", "payload has no logEvents list")
        return
    for i, ev in enumerate(events):
        ev = ev if isinstance(ev, dict) else {}
        where = f"{group}/{stream} event {ev.get('id') or i}"
        yield from records_from_message(ev.get("message"), where, iso_millis(ev.get("timestamp")))


def _raw_data(event: dict[str, Any]) -> str | None:
    aw = event.get("awslogs")
    data = aw.get("data") if isinstance(aw, dict) else None
    return data if isinstance(data, str) else None


# -------------------------------------------------------------------------------------------------- S3
@dataclass(frozen=True)
class S3Object:
    bucket: str
    key: str
    size: int | None = None

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.key}"

    @property
    def is_log_file(self) -> bool:
        return not any(m in self.key for m in NOT_LOG_OBJECT_MARKERS)


def s3_objects(event: dict[str, Any]) -> list[S3Object]:
    """Objects named by an S3 event notification, an EventBridge ``Object Created`` event, or SQS-wrapped ones."""
    out: list[S3Object] = []
    if event.get("source") == "aws.s3" and isinstance(event.get("detail"), dict):
        d = event["detail"]
        bucket, obj = d.get("bucket") or {}, d.get("object") or {}
        if bucket.get("name") and obj.get("key"):  # EventBridge keys are not URL-encoded
            out.append(S3Object(bucket["name"], obj["key"], obj.get("size")))
        return out
    for rec in event.get("Records") or []:
        if not isinstance(rec, dict):
            continue
        if rec.get("eventSource") == "aws:sqs":  # S3 -> SQS -> Lambda
            try:
                out += s3_objects(orjson.loads(rec.get("body") or "{}"))
            except orjson.JSONDecodeError:
                continue
        elif rec.get("eventSource") == "aws:s3" and str(rec.get("eventName", "")).startswith("ObjectCreated"):
            s3 = rec.get("s3") or {}
            bucket, obj = s3.get("bucket") or {}, s3.get("object") or {}
            if bucket.get("name") and obj.get("key"):
                # Notification keys are URL-encoded (spaces as '+').
                out.append(S3Object(bucket["name"], unquote_plus(obj["key"]), obj.get("size")))
    return out


def records_from_object(obj: S3Object, data: bytes) -> Iterator[Item]:
    """Records in an S3 log object: gzipped or plain, JSON lines or one JSON document."""
    try:
        if data.startswith(GZIP_MAGIC):
            data = gunzip(data, obj.uri)
    except InputError as e:
        yield BadRecord(obj.uri, e.reason)
        return
    stripped = data.lstrip()
    items: Iterator[tuple[str, Any]]
    if stripped[:1] in (b"{", b"["):
        try:
            doc = orjson.loads(data)
        except orjson.JSONDecodeError:
            items = iter_lines(data, obj.uri)
        else:
            items = iter_document(doc, obj.uri)
    else:
        items = iter_lines(data, obj.uri)
    for location, rec in items:
        if isinstance(rec, InputError):
            yield BadRecord(location, rec.reason)
        elif is_invocation_record(rec):
            yield SourceRecord(location, rec)
        elif isinstance(rec, list) and any(True for _ in invocation_records(rec)):
            for i, r in enumerate(invocation_records(rec)):
                yield SourceRecord(f"{location}[{i}]", r)
        else:
            yield BadRecord(location, "not a model-invocation-log record (no schemaType ModelInvocationLog)")
