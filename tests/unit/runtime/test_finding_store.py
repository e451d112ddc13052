"""FindingStore on the template's findings table (moto): conditional insert, merge, optimistic locking."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aidr.findings.model import MAX_EVENT_IDS, Finding
from aidr.findings.store import FindingConflict, FindingStore
from moto import mock_aws

from tests.integration.moto_account import aws_client, create_table

TABLE = "aidr-test-findings"
T0 = datetime(2026, 11, 18, 3, 0, tzinfo=UTC)


def finding(event_ids: list[str], severity: str = "medium", minutes: tuple[int, int] = (0, 0), **kw: Any) -> Finding:
    return Finding(id="f-1", detector="bedrock.model_probing", category="model-probing", severity=severity,
                   title=kw.pop("title", "Model probing"), description="probing", layer="application",
                   phase="foundational", account="111122223333", region="us-east-1", principal=None,
                   first_seen=T0 + timedelta(minutes=minutes[0]), last_seen=T0 + timedelta(minutes=minutes[1]),
                   event_ids=event_ids, **kw)


class Interfere:
    """A DynamoDB client that runs ``before`` ahead of each write: another invocation winning the race."""

    def __init__(self, client: Any, before: Callable[[], None], times: int = 1) -> None:
        self._client, self.before, self.times = client, before, times

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def _interfere(self) -> None:
        if self.times:
            self.times -= 1
            self.before()

    def put_item(self, **kw: Any) -> Any:
        self._interfere()
        return self._client.put_item(**kw)

    def update_item(self, **kw: Any) -> Any:
        self._interfere()
        return self._client.update_item(**kw)


@pytest.fixture
def store() -> Iterator[FindingStore]:
    with mock_aws():
        create_table(aws_client("dynamodb"), TABLE, "FindingsTable")
        yield FindingStore(TABLE, aws_client("dynamodb"))


def version(finding_id: str = "f-1") -> int:
    item = aws_client("dynamodb").get_item(TableName=TABLE, Key={"id": {"S": finding_id}})["Item"]
    return int(item["version"]["N"])


def test_a_new_finding_is_stored(store: FindingStore) -> None:
    f = finding(["e1"])
    r = store.record(f)
    assert (r.new, r.escalated, r.finding, r.notified_rank) == (True, False, f, -1)
    assert store.get("f-1") == f


def test_redelivery_changes_nothing(store: FindingStore) -> None:
    f = finding(["e1"], minutes=(0, 1))
    store.record(f)
    f_us = f.model_copy(update={"last_seen": f.last_seen + timedelta(microseconds=250)})  # finer than stored
    for again in (f, f_us):
        r = store.record(again)
        assert (r.new, r.escalated) == (False, False)
    assert version() == 1  # not written again


def test_emissions_merge(store: FindingStore) -> None:
    store.record(finding(["e1", "e2"], minutes=(5, 6)))
    r = store.record(finding(["e2", "e3"], minutes=(2, 9), title="Model probing (3 calls)"))
    assert (r.new, r.escalated) == (False, False)
    stored = store.get("f-1")
    assert stored is not None and stored == r.finding
    assert stored.event_ids == ["e1", "e2", "e3"]
    assert (stored.first_seen, stored.last_seen) == (T0 + timedelta(minutes=2), T0 + timedelta(minutes=9))
    assert stored.title == "Model probing (3 calls)"
    assert version() == 2


def test_event_ids_are_capped(store: FindingStore) -> None:
    store.record(finding([f"a{i}" for i in range(80)]))
    store.record(finding([f"b{i}" for i in range(80)]))
    stored = store.get("f-1")
    assert stored is not None and len(stored.event_ids) == MAX_EVENT_IDS and stored.event_ids[0] == "a0"


def test_higher_severity_wins_and_escalates(store: FindingStore) -> None:
    store.record(finding(["e1"], severity="medium"))
    up = store.record(finding(["e2"], severity="high"))
    assert (up.escalated, up.finding.severity) == (True, "high")
    down = store.record(finding(["e3"], severity="low"))
    assert (down.escalated, down.finding.severity) == (False, "high")


def test_a_concurrent_merge_is_retried_not_lost(store: FindingStore) -> None:
    store.record(finding(["e1"]))
    other = FindingStore(TABLE, aws_client("dynamodb"))
    racing = FindingStore(TABLE, Interfere(aws_client("dynamodb"), lambda: other.record(finding(["e2"]))))
    r = racing.record(finding(["e3"]))
    assert r.new is False
    stored = store.get("f-1")
    assert stored is not None and stored.event_ids == ["e1", "e2", "e3"]
    assert version() == 3


def test_a_concurrent_insert_is_merged_into(store: FindingStore) -> None:
    other = FindingStore(TABLE, aws_client("dynamodb"))
    racing = FindingStore(TABLE, Interfere(aws_client("dynamodb"), lambda: other.record(finding(["e1"]))))
    r = racing.record(finding(["e2"]))
    assert r.new is False  # the other invocation stored it first
    stored = store.get("f-1")
    assert stored is not None and stored.event_ids == ["e1", "e2"]


def test_endless_conflicts_raise(store: FindingStore) -> None:
    store.record(finding(["e0"]))
    other = FindingStore(TABLE, aws_client("dynamodb"))
    n = iter(range(100))
    racing = FindingStore(TABLE, Interfere(aws_client("dynamodb"), lambda: other.record(finding([f"x{next(n)}"])),
                                           times=100), max_attempts=3)
    with pytest.raises(FindingConflict, match="f-1: still conflicting after 3 attempts"):
        racing.record(finding(["e1"]))


def test_notification_claims(store: FindingStore) -> None:
    store.record(finding(["e1"], severity="medium"))
    assert store.claim_notification("f-1", 2) is True
    assert store.claim_notification("f-1", 2) is False  # a concurrent delivery
    assert store.record(finding(["e2"], severity="high")).notified_rank == 2  # a merge keeps the claim
    assert store.claim_notification("f-1", 3) is True
    store.release_notification("f-1", 3, previous=2)
    assert store.record(finding(["e3"])).notified_rank == 2
    assert store.claim_notification("missing", 1) is False
