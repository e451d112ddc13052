"""PutEvents batching and partial-failure retries (botocore Stubber: no AWS, no moto)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from aidr.runtime import PublishFailed
from aidr.runtime.publish import MAX_BATCH_BYTES, batches, entry_size, put_events
from botocore.stub import Stubber


def entry(n: int, size: int = 100) -> dict[str, Any]:
    detail = '{"id":"%d","pad":"%s"}' % (n, "x" * max(0, size - 40))  # noqa: UP031
    return {"Source": "aidr", "DetailType": "aidr Finding", "Detail": detail, "EventBusName": "aidr-bus"}


def ok(entries: list[dict[str, Any]]) -> dict[str, Any]:
    return {"FailedEntryCount": 0, "Entries": [{"EventId": f"id-{i}"} for i in range(len(entries))]}


@pytest.fixture
def events() -> Iterator[tuple[Any, Stubber]]:
    client = boto3.client("events", region_name="us-east-1")
    with Stubber(client) as stub:
        yield client, stub
        stub.assert_no_pending_responses()


def test_entry_size_as_eventbridge_counts_it() -> None:
    e = {"Source": "aidr", "DetailType": "aidr Finding", "Detail": '{"k":"é"}', "Time": "x", "Resources": ["ab"]}
    assert entry_size(e) == 4 + 12 + len('{"k":"é"}'.encode()) + 14 + 2


def test_batches_hold_at_most_ten_entries_and_under_256_kb() -> None:
    assert [len(b) for b in batches([entry(i) for i in range(23)])] == [10, 10, 3]
    big = [entry(i, size=60 * 1024) for i in range(9)]
    out = list(batches(big))
    assert [len(b) for b in out] == [4, 4, 1]
    assert all(sum(entry_size(e) for e in b) < MAX_BATCH_BYTES for b in out)


def test_an_entry_over_the_limit_is_refused_before_anything_is_put(events: tuple[Any, Stubber]) -> None:
    client, _ = events  # no stubbed response: any call would fail the test
    with pytest.raises(PublishFailed, match="over EventBridge's 256 KB limit"):
        put_events([entry(0), entry(1, size=MAX_BATCH_BYTES + 100)], client, sleep=lambda _s: None)


def test_only_refused_entries_are_retried(events: tuple[Any, Stubber]) -> None:
    client, stub = events
    sent = [entry(i) for i in range(12)]
    first = {"FailedEntryCount": 2, "Entries": [
        {"EventId": f"id-{i}"} if i not in (3, 7) else {"ErrorCode": "InternalFailure", "ErrorMessage": "oops"}
        for i in range(10)]}
    stub.add_response("put_events", first, {"Entries": sent[:10]})
    stub.add_response("put_events", ok(sent[3:4] + sent[7:8]), {"Entries": [sent[3], sent[7]]})
    stub.add_response("put_events", ok(sent[10:]), {"Entries": sent[10:]})
    delays: list[float] = []
    assert put_events(sent, client, sleep=delays.append) == 12
    assert len(delays) == 1 and 0.05 <= delays[0] <= 0.1


def test_entries_still_refused_after_every_attempt_raise(events: tuple[Any, Stubber]) -> None:
    client, stub = events
    refused = {"FailedEntryCount": 1, "Entries": [{"ErrorCode": "ThrottlingException", "ErrorMessage": "slow"}]}
    for _ in range(3):
        stub.add_response("put_events", refused, {"Entries": [entry(0)]})
    delays: list[float] = []
    with pytest.raises(PublishFailed, match=r"1 of 1 findings not put on event bus 'aidr-bus' after 3 attempts "
                                            r"\(ThrottlingException x1\)"):
        put_events([entry(0)], client, attempts=3, sleep=delays.append)
    assert len(delays) == 2 and delays[1] > delays[0] / 2  # backoff grows (with jitter)


def test_entries_refused_for_good_are_not_retried(events: tuple[Any, Stubber]) -> None:
    client, stub = events
    refused = {"FailedEntryCount": 1, "Entries": [{"ErrorCode": "AccessDeniedException", "ErrorMessage": "no"}]}
    stub.add_response("put_events", refused, {"Entries": [entry(0)]})
    delays: list[float] = []
    with pytest.raises(PublishFailed, match=r"after 1 attempts \(AccessDeniedException x1\)"):
        put_events([entry(0)], client, attempts=3, sleep=delays.append)
    assert delays == []


def test_retries_stop_when_the_invocation_is_about_to_time_out(events: tuple[Any, Stubber]) -> None:
    client, stub = events
    refused = {"FailedEntryCount": 1, "Entries": [{"ErrorCode": "InternalFailure", "ErrorMessage": "x"}]}
    stub.add_response("put_events", refused, {"Entries": [entry(0)]})
    with pytest.raises(PublishFailed, match="after 1 attempts"):
        put_events([entry(0)], client, sleep=lambda _s: None, time_left=lambda: 4.0)


def test_nothing_to_put(events: tuple[Any, Stubber]) -> None:
    client, _ = events
    assert put_events([], client) == 0
