"""Put findings on the aidr bus: PutEvents in batches EventBridge accepts, retrying the entries it refuses.

PutEvents is not all-or-nothing: it returns 200 with ``FailedEntryCount`` and an ``ErrorCode`` per refused
entry (throttling, internal failures). Those entries are retried with exponential backoff and jitter; if some
still fail, :class:`~aidr.runtime.errors.PublishFailed` is raised so the invocation fails and is retried whole
(the findings' ids are deterministic, so entries that did go through merge downstream instead of duplicating).
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

import orjson

from .errors import PublishFailed

if TYPE_CHECKING:
    from ..findings.model import Finding

FINDING_DETAIL_TYPE = "aidr Finding"
MAX_BATCH_ENTRIES = 10
# The entries of one PutEvents call must total less than 256 KB (sizes as EventBridge counts them):
# https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html
MAX_BATCH_BYTES = 256 * 1024
# Stop retrying when less than this is left of the invocation: raising in time beats a timeout.
TIME_MARGIN_SECONDS = 5.0


def finding_entry(finding: Finding, bus: str) -> dict[str, Any]:
    from ..normalize.envelope import AIDR_SOURCE

    return {
        "Source": AIDR_SOURCE,
        "DetailType": FINDING_DETAIL_TYPE,
        "Detail": orjson.dumps(finding.to_json_dict()).decode(),
        "EventBusName": bus,
    }


def entry_size(entry: dict[str, Any]) -> int:
    """Size of a PutEvents entry as EventBridge computes it."""
    size = 14 if entry.get("Time") is not None else 0
    for key in ("Source", "DetailType", "Detail"):
        size += len(str(entry.get(key) or "").encode())
    return size + sum(len(r.encode()) for r in entry.get("Resources") or [])


def batches(entries: Iterable[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    """Consecutive batches of at most 10 entries totalling less than 256 KB.

    Raises
    ------
    PublishFailed
        For an entry that could never be put (256 KB or more on its own).
    """
    batch: list[dict[str, Any]] = []
    total = 0
    for entry in entries:
        size = entry_size(entry)
        if size >= MAX_BATCH_BYTES:
            raise PublishFailed(f"event of {size} bytes is over EventBridge's 256 KB limit: {entry['Detail'][:200]}")
        if batch and (len(batch) == MAX_BATCH_ENTRIES or total + size >= MAX_BATCH_BYTES):
            yield batch
            batch, total = [], 0
        batch.append(entry)
        total += size
    if batch:
        yield batch


def put_events(
    entries: list[dict[str, Any]],
    client: Any,
    *,
    attempts: int = 5,
    base_delay: float = 0.1,
    max_delay: float = 2.0,
    sleep: Callable[[float], None] | None = None,
    time_left: Callable[[], float] | None = None,
) -> int:
    """Put every entry, retrying refused ones; returns how many were put.

    ``time_left`` (seconds left of the invocation) ends the retries early rather than let Lambda time out.
    """
    all_batches = list(batches(entries))  # size errors surface before anything is put
    for batch in all_batches:
        pending = batch
        for attempt in range(attempts):
            resp = client.put_events(Entries=pending)
            if not resp.get("FailedEntryCount"):
                pending = []
                break
            pending, errors = _refused(pending, resp["Entries"])
            delay = min(max_delay, base_delay * 2**attempt) * random.uniform(0.5, 1.0)
            if (attempt + 1 == attempts or not any(map(retryable, errors))
                    or (time_left is not None and time_left() < delay + TIME_MARGIN_SECONDS)):
                break
            (sleep or time.sleep)(delay)
        if pending:
            codes = ", ".join(f"{code} x{n}" for code, n in sorted(errors.items()))
            raise PublishFailed(
                f"{len(pending)} of {len(entries)} findings not put on event bus "
                f"{pending[0].get('EventBusName')!r} after {attempt + 1} attempts ({codes})"
            )
    return len(entries)


# PutEvents entry errors worth retrying (PutEventsResultEntry): the others (AccessDeniedException,
# InvalidArgument, MalformedDetail, NotAuthorizedFor...) give the same answer every time.
RETRYABLE_ENTRY_ERRORS = frozenset({"InternalFailure", "ThrottlingException"})


def retryable(code: object) -> bool:
    return code in RETRYABLE_ENTRY_ERRORS


def _refused(batch: list[dict[str, Any]], results: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], Counter[str]]:
    """The entries PutEvents refused (results are in request order) and their error codes."""
    refused = [(entry, r) for entry, r in zip(batch, results, strict=True) if r.get("ErrorCode")]
    return [entry for entry, _ in refused], Counter(str(r["ErrorCode"]) for _, r in refused)
