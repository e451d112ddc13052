"""Forward invocation-log records to the aidr bus: PutEvents in batches, retries, S3 offload, dead letters.

Nothing is dropped silently. A record too large for EventBridge is written to the offload bucket and a
pointer event (the record without its bodies, plus ``aidrOffload``) is sent instead; entries PutEvents
rejects (``FailedEntryCount``) are retried with backoff; what still fails, and input that could not be read,
goes to the dead-letter queue with the reason and location. If even that fails, :class:`ForwardError` is
raised so Lambda retries the invocation (detectors are idempotent on request ids).
"""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson

from ..errors import AidrError
from ..runtime.publish import batches, entry_size, retryable
from .entries import MAX_ENTRY_BYTES, Entry, make_entry, pointer_record
from .sources import BadRecord, Item, SourceRecord

# SQS refuses messages over 256 KB; a dead letter larger than this is stored in S3 and pointed to.
MAX_DLQ_MESSAGE_BYTES = 250 * 1024


class ForwardError(AidrError):
    """Records could be neither delivered nor dead-lettered; the invocation must be retried.

    Raised after everything else in the batch was delivered, so the retry (and, after the retries, the
    function's on-failure destination, which keeps the original event) only has these to account for.
    """

    def __init__(self, message: str, result: ForwardResult | None = None) -> None:
        super().__init__(message)
        self.result = result


class _Undeliverable(Exception):
    """Internal: a dead letter that could not be written."""


@dataclass
class ForwardResult:
    """Counts for metrics and the function's log line; ``problems`` name what failed and where."""

    records: int = 0
    sent: int = 0
    offloaded: int = 0
    retried: int = 0
    dead_lettered: int = 0
    unreadable: int = 0
    skipped: int = 0  # objects that are not log files (offloaded bodies, permission checks)
    problems: list[str] = field(default_factory=list)
    undeliverable: list[str] = field(default_factory=list)  # neither delivered nor dead-lettered

    def as_metrics(self) -> dict[str, int]:
        return {"Records": self.records, "Forwarded": self.sent, "Offloaded": self.offloaded,
                "Retried": self.retried, "DeadLettered": self.dead_lettered, "Unreadable": self.unreadable,
                "Skipped": self.skipped}


@dataclass
class _Pending:
    entry: Entry
    location: str


class Forwarder:
    """Deliver records to an EventBridge bus.

    Parameters
    ----------
    bus : str
        Name or ARN of the aidr event bus.
    events, s3, sqs : boto3 clients
        Injected so tests pass moto or stubbed clients; ``s3`` and ``sqs`` are needed only with an offload
        bucket and a dead-letter queue.
    offload_bucket, offload_prefix : str
        Where oversize records (and oversize dead letters) are written.
    dlq_url : str
        SQS queue for what cannot be delivered.
    max_attempts : int
        PutEvents attempts per entry (the first send included).
    sleep : callable
        Backoff between attempts (tests pass a no-op).

    Examples
    --------
    >>> import boto3, moto  # doctest: +SKIP
    >>> Forwarder("aidr", boto3.client("events")).forward(items)  # doctest: +SKIP
    ForwardResult(records=3, sent=3, ...)
    """

    def __init__(
        self,
        bus: str,
        events: Any,
        s3: Any = None,
        sqs: Any = None,
        offload_bucket: str | None = None,
        offload_prefix: str = "aidr/offload/",
        dlq_url: str | None = None,
        max_attempts: int = 4,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.bus = bus
        self.events, self.s3, self.sqs = events, s3, sqs
        self.offload_bucket = offload_bucket
        self.offload_prefix = offload_prefix
        self.dlq_url = dlq_url
        self.max_attempts = max(1, max_attempts)
        self.sleep = sleep

    # ------------------------------------------------------------------------------------------- public
    def forward(self, items: Iterable[Item]) -> ForwardResult:
        result = ForwardResult()
        pending: list[_Pending] = []
        for item in items:
            if isinstance(item, BadRecord):
                result.unreadable += 1
                result.problems.append(f"{item.location}: {item.reason}")
                self._dead_letter(result, "unreadable", item.location, item.reason, raw=item.raw)
                continue
            result.records += 1
            p = self._prepare(item, result)
            if p is not None:
                pending.append(p)
        where = {id(p.entry): p.location for p in pending}
        for batch in batches(p.entry for p in pending):
            self._put([(e, where[id(e)]) for e in batch], result)
        if result.undeliverable:
            raise ForwardError(f"{len(result.undeliverable)} record(s) neither delivered nor dead-lettered: "
                               + "; ".join(result.undeliverable[:5]), result)
        return result

    # ---------------------------------------------------------------------------------------- internals
    def _prepare(self, item: SourceRecord, result: ForwardResult) -> _Pending | None:
        entry = make_entry(item.record, self.bus, item.time)
        size = entry_size(entry)
        if size <= MAX_ENTRY_BYTES:
            return _Pending(entry, item.location)
        if not self.offload_bucket:
            reason = f"record of {size} bytes exceeds the EventBridge entry limit and no offload bucket is set"
            result.problems.append(f"{item.location}: {reason}")
            self._dead_letter(result, "too_large", item.location, reason, record=item.record)
            return None
        uri = self._put_object(self._offload_key(item.record), entry["Detail"].encode())
        result.offloaded += 1
        pointer = make_entry(pointer_record(item.record, uri, size), self.bus, item.time)
        if entry_size(pointer) > MAX_ENTRY_BYTES:  # metadata alone too large: only a person can look at it
            reason = f"record of {size} bytes offloaded to {uri} but its metadata still exceeds the entry limit"
            result.problems.append(f"{item.location}: {reason}")
            self._dead_letter(result, "too_large", item.location, reason, pointer=uri)
            return None
        return _Pending(pointer, item.location)

    def _put(self, todo: list[tuple[Entry, str]], result: ForwardResult) -> None:
        errors: dict[int, str] = {}
        for attempt in range(self.max_attempts):
            if attempt:
                result.retried += len(todo)
                self.sleep(min(0.1 * 2**attempt, 2.0))
            try:
                resp = self.events.put_events(Entries=[e for e, _ in todo])
            except Exception as e:  # the SDK already retried transport errors; count it as an attempt
                errors = {id(en): f"PutEvents call failed: {type(e).__name__}: {e}" for en, _ in todo}
                continue
            failed = []
            for (en, loc), res in zip(todo, resp.get("Entries", []), strict=False):
                if res.get("ErrorCode"):
                    errors[id(en)] = f"PutEvents rejected the entry: {res['ErrorCode']}: {res.get('ErrorMessage', '')}"
                    if retryable(res["ErrorCode"]):
                        failed.append((en, loc))
                    else:  # the same answer on every try: to the dead-letter queue now
                        self._give_up(result, en, loc, errors[id(en)])
                else:
                    result.sent += 1
            # A response shorter than the request leaves the tail unaccounted for: retry it too.
            failed += todo[len(resp.get("Entries", [])):]
            todo = failed
            if not todo:
                return
        for en, loc in todo:
            self._give_up(result, en, loc, errors.get(id(en), "PutEvents did not accept the entry"))

    def _give_up(self, result: ForwardResult, entry: Entry, location: str, reason: str) -> None:
        result.problems.append(f"{location}: {reason}")
        self._dead_letter(result, "put_failed", location, reason, detail=entry["Detail"])

    def _offload_key(self, record: dict[str, Any]) -> str:
        rid = record.get("requestId")
        name = rid if isinstance(rid, str) and rid else hashlib.sha256(orjson.dumps(record)).hexdigest()[:32]
        day = str(record.get("timestamp") or "")[:10].replace("-", "/") or "undated"
        return f"{self.offload_prefix}{day}/{name}.json"

    def _put_object(self, key: str, body: bytes) -> str:
        if self.s3 is None:
            raise ForwardError("an offload bucket is configured but no S3 client was given")
        try:
            self.s3.put_object(Bucket=self.offload_bucket, Key=key, Body=body, ContentType="application/json")
        except Exception as e:
            raise ForwardError(f"cannot write s3://{self.offload_bucket}/{key}: {type(e).__name__}: {e}") from e
        return f"s3://{self.offload_bucket}/{key}"

    def _dead_letter(self, result: ForwardResult, kind: str, location: str, reason: str, **payload: Any) -> None:
        try:
            self._send_dead_letter(kind, location, reason, payload)
        except _Undeliverable as e:
            result.undeliverable.append(f"{location}: {reason}; {e}")
        else:
            result.dead_lettered += 1

    def _send_dead_letter(self, kind: str, location: str, reason: str, payload: dict[str, Any]) -> None:
        if not self.dlq_url or self.sqs is None:
            raise _Undeliverable("no dead-letter queue is configured")
        body: dict[str, Any] = {"kind": kind, "location": location, "reason": reason}
        for k, v in payload.items():
            if isinstance(v, bytes):
                body[f"{k}_base64"] = base64.b64encode(v).decode()
            elif v is not None:
                body[k] = v
        try:
            message = orjson.dumps(body)
        except TypeError:  # text orjson refuses (lone surrogates): keep it, base64-encoded
            raw = str(payload.get("raw", "")).encode("utf-8", "surrogatepass")
            message = orjson.dumps({**{k: v for k, v in body.items() if k != "raw"},
                                    "raw_base64": base64.b64encode(raw).decode()})
        if len(message) > MAX_DLQ_MESSAGE_BYTES:
            if not self.offload_bucket:
                raise _Undeliverable(f"dead letter of {len(message)} bytes is too large for SQS and no offload "
                                     "bucket is set")
            key = f"{self.offload_prefix}dead-letters/{hashlib.sha256(message).hexdigest()[:32]}.json"
            try:
                uri = self._put_object(key, message)
            except ForwardError as e:
                raise _Undeliverable(str(e)) from e
            message = orjson.dumps({"kind": kind, "location": location, "reason": reason, "stored_at": uri})
        try:
            self.sqs.send_message(QueueUrl=self.dlq_url, MessageBody=message.decode())
        except Exception as e:
            raise _Undeliverable(f"the dead-letter queue refused it: {type(e).__name__}: {e}") from e
