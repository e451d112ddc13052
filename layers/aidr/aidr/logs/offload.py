"""Read back invocation-log bodies that are in S3, so their prompts and completions are scanned like any other.

Two kinds of record arrive without their bodies:

- a record too large for EventBridge travels as aidr's pointer (the record without its bodies, plus
  ``aidrOffload``; see :func:`aidr.logs.entries.pointer_record`): :func:`resolve_offloaded` swaps it for the full
  record from aidr's offload bucket;
- Bedrock itself writes a body over 100 KB to S3 and logs only ``inputBodyS3Path`` / ``outputBodyS3Path``:
  :func:`resolve_bedrock_bodies` puts the bodies back (gzipped or plain JSON, else text). With CloudWatch Logs
  delivery they are in the large-data bucket; with S3 delivery, in the log bucket's ``.../data/`` folders.

Without them the content detectors would find nothing, and padding a prompt past the limit would hide it.
Only the configured buckets are read (an event cannot point the function at another object), objects are
size-capped (decompressed size too), and aidr's own record must be the one the pointer names (same request
id). An object that is gone or unreadable leaves the record as it was: the metadata detectors still run, and
the reason is returned to be counted and logged. Transient S3 errors propagate, so Lambda retries the event.

Bedrock writes a body a little after the record it belongs to (tens of seconds), and the record can arrive
first. A body missing within :data:`BODY_WRITE_GRACE_SECONDS` of the record's time is "not yet":
:class:`BodyNotWrittenYet` is raised and Lambda's retries (about 1 and 3 minutes later) read it; later, it is
"gone". S3 says "missing" (NoSuchKey) rather than "denied" only to a role that may list the bucket, which the
template grants.

Examples
--------
>>> parse_uri("s3://aidr-offload/aidr/offload/2026/03/01/r-1.json")
('aidr-offload', 'aidr/offload/2026/03/01/r-1.json')
"""

from __future__ import annotations

import time
import zlib
from typing import Any

import orjson

from ..aws import error_code
from ..normalize.invocation import AIDR_OFFLOAD_KEY
from ..normalize.timeutil import parse_time

OFFLOAD_PREFIX = "aidr/offload/"
# Bedrock's invocation records are at most a few MB (bodies above 100 KB go to S3 by Bedrock itself); a larger
# object is not one the forwarder wrote.
MAX_OFFLOADED_BYTES = 32 * 1024 * 1024
# Codes after which retrying cannot help: the object expired, was removed, or is not readable by this role.
GZIP_MAGIC = b"\x1f\x8b"
PERMANENT_S3_ERRORS = frozenset({"NoSuchKey", "NoSuchBucket", "AccessDenied", "InvalidObjectState", "404", "403"})
MISSING_OBJECT = frozenset({"NoSuchKey", "404"})
# Shorter than Lambda's two async retries (the last comes about 3 minutes after the first try): the last try
# treats a body still missing as gone and runs the metadata detectors rather than failing the event.
BODY_WRITE_GRACE_SECONDS = 150
# Where S3 delivery puts the bodies it moves out of a record: ``<prefix>/AWSLogs/.../HH/data/<id>_input.json.gz``.
LOG_BUCKET_BODY_FOLDER = "/data/"


class BodyNotWrittenYet(RuntimeError):
    """A body Bedrock moved to S3 is not there yet; retrying the event later will read it."""


def parse_uri(uri: Any) -> tuple[str, str] | None:
    if not isinstance(uri, str) or not uri.startswith("s3://"):
        return None
    bucket, _, key = uri[5:].partition("/")
    return (bucket, key) if bucket and key else None


def _read(s3: Any, bucket: str, key: str, missing_is_transient: bool = False) -> tuple[bytes | None, str | None]:
    """The object's bytes (gunzipped when gzip), or None and why; transient errors propagate."""
    try:
        obj = s3.get_object(Bucket=bucket, Key=key)
    except Exception as e:
        code = error_code(e)
        if missing_is_transient and code in MISSING_OBJECT:
            raise BodyNotWrittenYet(f"s3://{bucket}/{key} is not written yet; the event is retried") from e
        if code in PERMANENT_S3_ERRORS:
            return None, f"cannot read s3://{bucket}/{key}: {code}"
        raise
    size = obj.get("ContentLength")
    if isinstance(size, int) and size > MAX_OFFLOADED_BYTES:
        return None, f"s3://{bucket}/{key} is {size} bytes, above {MAX_OFFLOADED_BYTES}"
    body = obj["Body"].read(MAX_OFFLOADED_BYTES + 1)
    if body[:2] == GZIP_MAGIC:
        try:
            inflater = zlib.decompressobj(wbits=31)
            body = inflater.decompress(body, MAX_OFFLOADED_BYTES + 1)
        except zlib.error as e:
            return None, f"s3://{bucket}/{key} is not valid gzip ({e})"
        if not inflater.eof and len(body) <= MAX_OFFLOADED_BYTES:
            return None, f"s3://{bucket}/{key} is truncated gzip"
    if len(body) > MAX_OFFLOADED_BYTES:
        return None, f"s3://{bucket}/{key} is above {MAX_OFFLOADED_BYTES} bytes"
    return body, None


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
    body, why = _read(s3, *where)
    if body is None:
        return detail, why
    try:
        record = orjson.loads(body)
    except orjson.JSONDecodeError as e:
        return detail, f"s3://{where[0]}/{where[1]} is not valid JSON ({e})"
    if not isinstance(record, dict) or record.get("requestId") != detail.get("requestId"):
        return detail, f"s3://{where[0]}/{where[1]} is not the record of request {detail.get('requestId')!r}"
    return record, None


# (side, the path Bedrock logs when it moved the body, the body field it replaces)
BEDROCK_BODY_PATHS = (("input", "inputBodyS3Path", "inputBodyJson"), ("output", "outputBodyS3Path", "outputBodyJson"))


def keeps_content_in_s3(detail: dict[str, Any]) -> bool:
    """Whether an invocation-log record points at content in S3 (aidr's pointer or Bedrock's body paths)."""
    return AIDR_OFFLOAD_KEY in detail or any(
        isinstance(detail.get(side), dict) and detail[side].get(path) for side, path, _ in BEDROCK_BODY_PATHS)


def _body_bucket_allows(bucket: str, key: str, body_bucket: str | None, log_bucket: str | None) -> bool:
    """The large-data bucket (any key), or the log bucket's body folders only."""
    return bucket == body_bucket or (bucket == log_bucket and LOG_BUCKET_BODY_FOLDER in f"/{key}")


def _young(detail: dict[str, Any], now: float | None) -> bool:
    """Whether the record is recent enough that Bedrock may still be writing its bodies."""
    t = parse_time(detail.get("timestamp"))
    return t is not None and (time.time() if now is None else now) - t.timestamp() < BODY_WRITE_GRACE_SECONDS


def resolve_bedrock_bodies(detail: dict[str, Any], s3: Any, bucket: str | None, log_bucket: str | None = None,
                           now: float | None = None) -> tuple[dict[str, Any], int, list[str]]:
    """``detail`` with the bodies Bedrock wrote to S3 put back, how many were read, and why others were not.

    ``bucket`` is the large-data bucket (CloudWatch Logs delivery), ``log_bucket`` the bucket of S3 delivery. A
    side whose body is read loses its S3 path, so the record counts as fully logged; a side that keeps its path
    keeps the normaliser's "offloaded" mark.

    Raises
    ------
    BodyNotWrittenYet
        A body is missing while the record is younger than :data:`BODY_WRITE_GRACE_SECONDS`.
    Exception
        S3 errors other than :data:`PERMANENT_S3_ERRORS` (throttling, 5xx): the event is retried.
    """
    record, read, kept = detail, 0, []
    young = _young(detail, now)
    for side, path_key, body_key in BEDROCK_BODY_PATHS:
        part = detail.get(side)
        if not isinstance(part, dict) or not part.get(path_key) or part.get(body_key) is not None:
            continue
        where = parse_uri(part[path_key])
        if where is None:
            kept.append(f"{side}.{path_key} is not an s3:// uri")
            continue
        if not bucket and not log_bucket:
            kept.append(f"{side}.{path_key}: no invocation body bucket is configured (AIDR_INVOCATION_BODY_BUCKET)")
            continue
        if not _body_bucket_allows(*where, bucket, log_bucket):
            kept.append(f"{side}.{path_key} names s3://{where[0]}/{where[1]}, outside the configured body bucket "
                        f"({bucket or 'none'}) and the log bucket's data/ folders ({log_bucket or 'none'})")
            continue
        raw, why = _read(s3, *where, missing_is_transient=young)
        if raw is None:
            kept.append(f"{side}.{path_key}: {why}")
            continue
        try:
            body: Any = orjson.loads(raw)
        except orjson.JSONDecodeError:
            body = raw.decode("utf-8", "replace")  # a text body: the normaliser scans it as text
        if record is detail:
            record = dict(detail)
        record[side] = {**{k: v for k, v in part.items() if k != path_key}, body_key: body}
        read += 1
    return record, read, kept
