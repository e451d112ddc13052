"""The forwarder against emulated EventBridge, S3 and SQS: batching, retries, offload, dead letters."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aidr.logs.entries import MAX_ENTRY_BYTES, make_entry
from aidr.logs.forwarder import ForwardError
from aidr.logs.sources import BadRecord, SourceRecord
from aidr.runtime.publish import entry_size

from tests.unit.invocation.records import converse
from tests.unit.logs.conftest import BUS, OFFLOAD_BUCKET, Account


def items(records: list[dict[str, Any]]) -> list[SourceRecord]:
    return [SourceRecord(f"test:{i}", r) for i, r in enumerate(records)]


class Spy:
    """Wraps the events client: records each PutEvents call, and can refuse entries on chosen attempts."""

    def __init__(self, client: Any, refuse: Any = None, code: str = "ThrottlingException") -> None:
        self.client, self.refuse, self.code, self.calls = client, refuse, code, []

    def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        self.calls.append(Entries)
        attempt = len(self.calls)
        refused = [i for i, e in enumerate(Entries) if self.refuse and self.refuse(attempt, i, e)]
        accepted = [e for i, e in enumerate(Entries) if i not in refused]
        real = self.client.put_events(Entries=accepted)["Entries"] if accepted else []
        it = iter(real)
        results = [{"ErrorCode": self.code, "ErrorMessage": "refused"} if i in refused else next(it)
                   for i in range(len(Entries))]
        return {"FailedEntryCount": len(refused), "Entries": results}


def test_records_arrive_on_the_bus_in_batches_of_ten(account: Account) -> None:
    spy = Spy(account.events)
    records = [converse(f"prompt {i}") for i in range(23)]
    result = account.forwarder(events=spy).forward(items(records))
    assert (result.records, result.sent, result.dead_lettered) == (23, 23, 0)
    assert [len(c) for c in spy.calls] == [10, 10, 3]
    got = account.delivered()
    assert sorted(e["detail"]["requestId"] for e in got) == sorted(r["requestId"] for r in records)
    assert {(e["source"], e["detail-type"]) for e in got} == {("aidr", "Bedrock Model Invocation Log")}
    assert got[0]["time"] == "2025-03-04T10:15:02Z"


def test_requests_stay_under_256_kb(account: Account) -> None:
    spy = Spy(account.events)
    records = [converse("x" * 90_000) for _ in range(7)]
    account.forwarder(events=spy).forward(items(records))
    assert all(sum(entry_size(e) for e in call) < 256 * 1024 for call in spy.calls)
    assert sum(len(c) for c in spy.calls) == 7 and max(len(c) for c in spy.calls) <= 2


def test_record_without_timestamp_takes_the_log_event_time(account: Account) -> None:
    rec = converse(ts=None)
    account.forwarder().forward([SourceRecord("cw", rec, "2025-03-04T09:00:00.125Z")])
    (event,) = account.delivered()
    assert event["time"].startswith("2025-03-04T09:00:00")
    assert "Time" not in make_entry(rec, BUS)


def test_refused_entries_are_retried(account: Account) -> None:
    spy = Spy(account.events, refuse=lambda attempt, i, _e: attempt <= 2 and i % 2 == 0)
    result = account.forwarder(events=spy).forward(items([converse() for _ in range(6)]))
    assert (result.sent, result.retried, result.dead_lettered) == (6, 3 + 2, 0)
    assert [len(c) for c in spy.calls] == [6, 3, 2]
    assert len(account.delivered()) == 6


def test_entries_refused_every_time_are_dead_lettered(account: Account) -> None:
    records = [converse() for _ in range(3)]
    spy = Spy(account.events, refuse=lambda _attempt, _i, e: records[1]["requestId"] in e["Detail"])
    result = account.forwarder(events=spy, max_attempts=3).forward(items(records))
    assert (result.sent, result.dead_lettered) == (2, 1)
    (letter,) = account.dead_letters()
    assert letter["kind"] == "put_failed" and letter["location"] == "test:1"
    assert "ThrottlingException" in letter["reason"]
    assert json.loads(letter["detail"])["requestId"] == records[1]["requestId"]


@pytest.mark.parametrize("code", ["AccessDeniedException", "MalformedDetail", "NotAuthorizedForSourceException"])
def test_entries_refused_for_good_are_dead_lettered_without_retrying(account: Account, code: str) -> None:
    """Only InternalFailure and ThrottlingException can succeed on a retry; the rest go to the DLQ at once."""
    records = [converse() for _ in range(3)]
    spy = Spy(account.events, refuse=lambda _attempt, i, _e: i == 1, code=code)
    delays: list[float] = []
    result = account.forwarder(events=spy, max_attempts=3, sleep=delays.append).forward(items(records))
    assert (result.sent, result.retried, result.dead_lettered) == (2, 0, 1)
    assert len(spy.calls) == 1 and delays == []
    (letter,) = account.dead_letters()
    assert code in letter["reason"] and json.loads(letter["detail"])["requestId"] == records[1]["requestId"]


def test_a_failing_call_counts_as_an_attempt(account: Account) -> None:
    class Down:
        def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:
            raise ConnectionError("endpoint unreachable")

    result = account.forwarder(events=Down(), max_attempts=2).forward(items([converse()]))
    assert result.dead_lettered == 1
    assert "PutEvents call failed: ConnectionError" in account.dead_letters()[0]["reason"]


def test_oversize_record_is_offloaded_and_a_pointer_sent(account: Account) -> None:
    big = converse("y" * 300_000, answer="z" * 10_000, tokens=(80_000, 3_000))
    result = account.forwarder().forward(items([big, converse()]))
    assert (result.offloaded, result.sent, result.dead_lettered) == (1, 2, 0)
    pointer = next(e["detail"] for e in account.delivered() if e["detail"]["requestId"] == big["requestId"])
    assert "inputBodyJson" not in pointer["input"] and pointer["input"]["inputTokenCount"] == 80_000
    uri = pointer["aidrOffload"]["uri"]
    assert uri.startswith(f"s3://{OFFLOAD_BUCKET}/aidr/offload/2025/03/04/")
    body = account.s3.get_object(Bucket=OFFLOAD_BUCKET, Key=uri.split("/", 3)[3])["Body"].read()
    assert json.loads(body) == big
    assert pointer["aidrOffload"]["bytes"] > MAX_ENTRY_BYTES


def test_oversize_record_without_a_bucket_fails_after_the_rest_is_delivered(account: Account) -> None:
    big = converse("y" * 300_000)
    with pytest.raises(ForwardError, match="too large for SQS and no offload bucket") as e:
        account.forwarder(offload_bucket=None).forward(items([big, converse()]))
    assert e.value.result is not None and (e.value.result.sent, e.value.result.dead_lettered) == (1, 0)
    assert len(account.delivered()) == 1 and account.dead_letters() == []


def test_unreadable_input_is_dead_lettered_and_the_batch_goes_on(account: Account) -> None:
    bad = [BadRecord("group/stream event 7", "invalid JSON: unexpected character", "{oops"),
           BadRecord("awslogs.data", "truncated gzip stream (ends early)", b"\x1f\x8b\x08\x00")]
    result = account.forwarder().forward([*bad, *items([converse()])])
    assert (result.unreadable, result.sent, result.dead_lettered) == (2, 1, 2)
    letters = {lt["location"]: lt for lt in account.dead_letters()}
    assert letters["group/stream event 7"]["raw"] == "{oops"
    assert letters["awslogs.data"]["raw_base64"] == "H4sIAA=="
    assert result.problems == ["group/stream event 7: invalid JSON: unexpected character",
                               "awslogs.data: truncated gzip stream (ends early)"]


def test_large_dead_letters_are_stored_in_s3(account: Account) -> None:
    account.forwarder().forward([BadRecord("s3://b/k:3", "invalid JSON", "q" * 300_000)])
    (letter,) = account.dead_letters()
    assert letter["stored_at"].startswith(f"s3://{OFFLOAD_BUCKET}/aidr/offload/dead-letters/")


def test_without_a_dead_letter_queue_failures_raise(account: Account) -> None:
    with pytest.raises(ForwardError, match="event 7: invalid JSON; no dead-letter queue"):
        account.forwarder(dlq_url=None).forward([BadRecord("event 7", "invalid JSON"), *items([converse()])])
    assert len(account.delivered()) == 1


def test_a_refusing_dead_letter_queue_raises(account: Account) -> None:
    fwd = account.forwarder(dlq_url=account.dlq_url.replace("forwarder-dlq", "missing-queue"))
    with pytest.raises(ForwardError, match="dead-letter queue refused it"):
        fwd.forward([BadRecord("event 7", "invalid JSON")])
