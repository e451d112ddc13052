"""Detector state in DynamoDB (the Lambda functions' backend), with the semantics of :class:`MemoryState`.

Item layout (table key: ``pk`` S, ``sk`` S; TTL attribute ``expires_at``, epoch seconds):

- a set member: ``pk=<key>``, ``sk="m#<member>"``, ``ts`` (N, event time), ``data`` (S, JSON), ``expires_at``.
  The member id alone is the sort key, so :meth:`DynamoDBState.add` is one conditional put that is a no-op
  when the member already exists, whatever its ``ts``: a re-delivered event never counts twice.
- a value: ``pk=<key>``, ``sk="value"``, ``value`` (S, JSON), ``version`` (N), optional ``expires_at``; every
  write is conditioned on the version the writer read (optimistic locking).

:meth:`DynamoDBState.members` is one paginated, strongly consistent Query of the key's members, filtered on
``ts`` and sorted by (ts, member) like MemoryState. Windows are short-lived (their TTL is about twice the
window), so a set holds little more than the window being read.

DynamoDB deletes expired items lazily (typically within days), so an item whose ``expires_at`` has passed is
treated as absent everywhere: filtered out of reads and overwritable by writes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import orjson

from .base import Member, StateStore

MEMBER_PREFIX = "m#"
VALUE_SK = "value"
# Attribute names go through placeholders: DATA, VALUE and others are DynamoDB reserved words.
_NAMES = {"#ts": "ts", "#data": "data", "#value": "value", "#version": "version", "#exp": "expires_at"}
_ALIVE = "(attribute_not_exists(#exp) OR #exp > :now)"
_ABSENT_OR_EXPIRED = "(attribute_not_exists(pk) OR #exp <= :now)"


def _num(value: float) -> dict[str, str]:
    # repr round-trips a float exactly; Decimal turns '1e-07' into plain digits DynamoDB accepts.
    return {"N": format(Decimal(repr(float(value))), "f")}


def _names(expression: str) -> dict[str, str]:
    """Only the placeholders an expression uses (DynamoDB refuses unused ones)."""
    return {k: v for k, v in _NAMES.items() if k in expression}


class DynamoDBState(StateStore):
    """State in one DynamoDB table (``AIDR_STATE_TABLE``).

    Parameters
    ----------
    table_name : str
        The table (key ``pk`` S / ``sk`` S, TTL on ``expires_at``).
    client : botocore client, optional
        A DynamoDB client; one from :func:`aidr.aws.client` when omitted (tests pass a moto or stubbed one).
    clock : callable, optional
        Wall-clock seconds, for TTLs and expiry checks.

    Examples
    --------
    >>> state = DynamoDBState("aidr-state")                     # doctest: +SKIP
    >>> state.first_time("processed:DetectBedrockFunction", "3f1c...", 1767225600.0)  # doctest: +SKIP
    True
    """

    def __init__(self, table_name: str, client: Any = None, clock: Callable[[], float] = time.time) -> None:
        if client is None:
            from ..aws import client as make_client

            client = make_client("dynamodb")
        self.table = table_name
        self._ddb = client
        self._clock = clock

    # ------------------------------------------------------------------ sets
    def add(self, key: str, member: str, ts: float, ttl_seconds: int, data: dict[str, Any] | None = None) -> bool:
        now = self._clock()
        item: dict[str, Any] = {
            "pk": {"S": key},
            "sk": {"S": MEMBER_PREFIX + member},
            "ts": _num(ts),
            # From wall time when the event is old: a late re-delivery must still find its claim.
            "expires_at": {"N": str(int(max(ts, now) + ttl_seconds))},
        }
        if data:
            item["data"] = {"S": orjson.dumps(data).decode()}
        return self._conditional_put(item, _ABSENT_OR_EXPIRED, now)

    def members(self, key: str, since: float | None = None, until: float | None = None) -> list[Member]:
        values: dict[str, Any] = {":pk": {"S": key}, ":m": {"S": MEMBER_PREFIX}, ":now": _num(self._clock())}
        conditions = [_ALIVE]
        if since is not None:
            conditions.append("#ts >= :since")
            values[":since"] = _num(since)
        if until is not None:
            conditions.append("#ts <= :until")
            values[":until"] = _num(until)
        filter_expression = " AND ".join(conditions)
        request: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :m)",
            "FilterExpression": filter_expression,
            "ExpressionAttributeNames": _names(filter_expression),
            "ExpressionAttributeValues": values,
            # A window read right after its own add must see that add.
            "ConsistentRead": True,
        }
        out: list[Member] = []
        while True:
            page = self._ddb.query(**request)
            for item in page.get("Items", []):
                data = orjson.loads(item["data"]["S"]) if "data" in item else {}
                out.append(Member(item["sk"]["S"][len(MEMBER_PREFIX):], float(item["ts"]["N"]), data))
            if "LastEvaluatedKey" not in page:
                break
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        out.sort(key=lambda m: (m.ts, m.member))
        return out

    def discard(self, key: str, member: str) -> bool:
        """Remove ``member`` from ``key`` (releases an idempotency claim); False when it was not there."""
        resp = self._ddb.delete_item(
            TableName=self.table,
            Key={"pk": {"S": key}, "sk": {"S": MEMBER_PREFIX + member}},
            ReturnValues="ALL_OLD",
        )
        old = resp.get("Attributes")
        return bool(old) and not self._expired(old, self._clock())

    # ------------------------------------------------------------------ values
    def get(self, key: str) -> tuple[dict[str, Any] | None, int]:
        resp = self._ddb.get_item(
            TableName=self.table, Key={"pk": {"S": key}, "sk": {"S": VALUE_SK}}, ConsistentRead=True
        )
        item = resp.get("Item")
        if not item or self._expired(item, self._clock()):
            return None, 0
        return orjson.loads(item["value"]["S"]), int(item["version"]["N"])

    def put(self, key: str, value: dict[str, Any], expected_version: int, ttl_seconds: int | None = None) -> bool:
        now = self._clock()
        item: dict[str, Any] = {
            "pk": {"S": key},
            "sk": {"S": VALUE_SK},
            "value": {"S": orjson.dumps(value).decode()},
            "version": {"N": str(expected_version + 1)},
        }
        if ttl_seconds is not None:
            item["expires_at"] = {"N": str(int(now + ttl_seconds))}
        if expected_version == 0:
            condition = _ABSENT_OR_EXPIRED
            values: dict[str, Any] = {}
        else:
            condition = f"#version = :expected AND {_ALIVE}"
            values = {":expected": {"N": str(expected_version)}}
        return self._conditional_put(item, condition, now, values)

    # ------------------------------------------------------------------ helpers
    def _conditional_put(
        self, item: dict[str, Any], condition: str, now: float, values: dict[str, Any] | None = None
    ) -> bool:
        try:
            self._ddb.put_item(
                TableName=self.table,
                Item=item,
                ConditionExpression=condition,
                ExpressionAttributeNames=_names(condition),
                ExpressionAttributeValues={":now": _num(now), **(values or {})},
            )
        except self._ddb.exceptions.ConditionalCheckFailedException:
            return False
        return True

    @staticmethod
    def _expired(item: dict[str, Any], now: float) -> bool:
        exp = item.get("expires_at")
        return exp is not None and float(exp["N"]) <= now
