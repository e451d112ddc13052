"""What only the DynamoDB backend has: TTL expiry (lazy in DynamoDB, so enforced on read and write), item
layout, pagination and consistent reads."""

from __future__ import annotations

from typing import Any

from aidr.state.dynamodb import DynamoDBState

from tests.integration.moto_account import aws_client
from tests.unit.state.conftest import Clock


class QuerySpy:
    """A DynamoDB client that records query calls and can force small pages."""

    def __init__(self, client: Any, page_size: int | None = None) -> None:
        self._client = client
        self.page_size = page_size
        self.queries: list[dict[str, Any]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def query(self, **kwargs: Any) -> Any:
        self.queries.append(kwargs)
        return self._client.query(**kwargs, **({"Limit": self.page_size} if self.page_size else {}))


def raw_item(table: str, pk: str, sk: str) -> dict[str, Any]:
    return aws_client("dynamodb").get_item(TableName=table, Key={"pk": {"S": pk}, "sk": {"S": sk}}).get("Item", {})


def test_expired_members_are_absent_and_can_be_added_again(ddb_table: str, clock: Clock) -> None:
    state = DynamoDBState(ddb_table, aws_client("dynamodb"), clock=clock)
    assert state.add("k", "e1", clock.now, ttl_seconds=60, data={"first": True})
    clock.now += 61  # DynamoDB may not have deleted it yet: it is still expired
    assert state.members("k") == []
    assert state.discard("k", "e1") is False
    assert state.add("k", "e1", clock.now, ttl_seconds=60, data={"first": False}) is True
    assert [m.data for m in state.members("k")] == [{"first": False}]


def test_member_ttl_runs_from_wall_time_for_old_events(ddb_table: str, clock: Clock) -> None:
    """A claim for a day-old event must outlive the retries of its re-delivery."""
    state = DynamoDBState(ddb_table, aws_client("dynamodb"), clock=clock)
    state.add("k", "old", clock.now - 86_400, ttl_seconds=600)
    state.add("k", "future", clock.now + 100, ttl_seconds=600)
    assert raw_item(ddb_table, "k", "m#old")["expires_at"] == {"N": str(int(clock.now + 600))}
    assert raw_item(ddb_table, "k", "m#future")["expires_at"] == {"N": str(int(clock.now + 700))}


def test_values_expire_and_versions_restart(ddb_table: str, clock: Clock) -> None:
    state = DynamoDBState(ddb_table, aws_client("dynamodb"), clock=clock)
    assert state.put("v", {"n": 1}, 0, ttl_seconds=60)
    assert state.put("v", {"n": 2}, 1, ttl_seconds=60)
    clock.now += 61
    assert state.get("v") == (None, 0)
    assert state.put("v", {"n": 1}, 2) is False  # nobody may update what has expired
    assert state.put("v", {"n": 3}, 0) is True
    assert state.get("v") == ({"n": 3}, 1)
    assert "expires_at" not in raw_item(ddb_table, "v", "value")  # no ttl: kept


def test_members_reads_every_page_consistently(ddb_table: str, clock: Clock) -> None:
    spy = QuerySpy(aws_client("dynamodb"), page_size=2)
    state = DynamoDBState(ddb_table, spy, clock=clock)
    for i in range(7):
        state.add("k", f"e{i}", 100.0 - i, ttl_seconds=3600)
    state.add("other", "x", 1.0, ttl_seconds=3600)
    assert [m.member for m in state.members("k")] == [f"e{i}" for i in reversed(range(7))]
    assert len(spy.queries) >= 4
    assert all(q["ConsistentRead"] for q in spy.queries)


def test_item_layout(ddb_table: str, clock: Clock) -> None:
    """The layout operators see in the console (and the template's key schema and TTL attribute)."""
    state = DynamoDBState(ddb_table, aws_client("dynamodb"), clock=clock)
    state.add("processed:DetectBedrockFunction", "a1b2", 1_795_000_000.5, ttl_seconds=60, data={"x": 1})
    state.put("baseline:alice", {"hours": {}}, 0)
    member = raw_item(ddb_table, "processed:DetectBedrockFunction", "m#a1b2")
    assert member["ts"] == {"N": "1795000000.5"} and member["data"] == {"S": '{"x":1}'}
    value = raw_item(ddb_table, "baseline:alice", "value")
    assert value["value"] == {"S": '{"hours":{}}'} and value["version"] == {"N": "1"}
