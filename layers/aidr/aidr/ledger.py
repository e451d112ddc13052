"""The audit ledger: an append-only, hash-chained record of every approval decision and containment action.

Item layout (table key: ``chain`` S, ``seq`` N):

- ``chain`` is one chain name (``"aidr"``), so the whole ledger is one ordered partition; ``seq`` counts from 1;
- ``at`` (S, RFC 3339), ``kind`` (S), ``subject`` (S: approval id, finding id, target ARN ...), ``detail`` (S,
  canonical JSON: DynamoDB numbers and maps would not round-trip byte for byte);
- ``prev`` (S): the ``hash`` of record ``seq - 1`` (:data:`GENESIS` for the first);
- ``hash`` (S): sha256 of the canonical JSON of every field above.

:meth:`Ledger.append` reads the head and puts ``seq = head + 1`` on the condition that no record holds that
``seq`` yet, re-reading on a lost race: concurrent appends never fork the chain. The functions' roles may only
PutItem, GetItem and Query this table (template.yaml denies UpdateItem and DeleteItem), so a record cannot be
changed through them; :meth:`Ledger.verify` finds records changed, removed or reordered by anyone else.

What the chain cannot show on its own: records removed from the *end* (nothing points at them). The stack keeps
the table with point-in-time recovery and DeletionPolicy Retain; compare ``verify``'s head with a copy kept
elsewhere (e.g. the last ``seq``/``hash`` in a ticket) when that matters.

Examples
--------
>>> ledger = Ledger("aidr-ledger")                                   # doctest: +SKIP
>>> ledger.append("approval.decided", "3f1c0a", {"decision": "approved", "by": "arn:aws:sts::..."})  # doctest: +SKIP
{'chain': 'aidr', 'seq': 12, 'at': '2026-05-01T10:00:00.000Z', ...}
>>> ledger.verify()                                                   # doctest: +SKIP
(True, [])
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from .errors import AidrError, ConfigError

CHAIN = "aidr"
GENESIS = "0" * 64
LEDGER_TABLE_ENV = "AIDR_LEDGER_TABLE"
MAX_APPEND_ATTEMPTS = 20
# Writers that lose the race for the next seq wait a little, jittered, before chaining after the winner: several
# playbook runs append at once (approvals requested, actions applied), and retrying at once keeps them colliding.
APPEND_BACKOFF_SECONDS = 0.02
APPEND_BACKOFF_MAX_SECONDS = 0.5
HASHED_FIELDS = ("chain", "seq", "at", "kind", "subject", "detail", "prev")


class LedgerError(AidrError):
    """The ledger could not be appended to (e.g. the head kept moving under heavy contention)."""


def canonical_json(value: Any) -> str:
    """One spelling per value: sorted keys, no spaces, UTF-8 kept (what the hash is computed over)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def record_hash(record: dict[str, Any]) -> str:
    """sha256 (hex) of the canonical JSON of a record's :data:`HASHED_FIELDS`."""
    return hashlib.sha256(canonical_json({k: record[k] for k in HASHED_FIELDS}).encode()).hexdigest()


def _now() -> str:
    dt = datetime.now(UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def _to_item(record: dict[str, Any]) -> dict[str, Any]:
    item = {k: {"S": str(record[k])} for k in ("chain", "at", "kind", "subject", "detail", "prev", "hash")}
    item["seq"] = {"N": str(record["seq"])}
    return item


def _from_item(item: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {k: v.get("S", "") for k, v in item.items() if "S" in v}
    out["seq"] = int(item["seq"]["N"])
    return out


class Ledger:
    """The hash-chained audit ledger in one DynamoDB table (``AIDR_LEDGER_TABLE``).

    Parameters
    ----------
    table_name : str
        The ledger table (key ``chain`` S / ``seq`` N).
    dynamodb_client : botocore client, optional
        A DynamoDB client; one from :func:`aidr.aws.client` when omitted.
    clock : callable, optional
        Returns the RFC 3339 time stamped on new records.
    """

    def __init__(self, table_name: str, dynamodb_client: Any = None, clock: Callable[[], str] = _now,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        if dynamodb_client is None:
            from .aws import client

            dynamodb_client = client("dynamodb")
        self.table = table_name
        self._ddb = dynamodb_client
        self._clock = clock
        self._sleep = sleep

    @classmethod
    def from_env(cls, dynamodb_client: Any = None) -> Ledger:
        name = os.environ.get(LEDGER_TABLE_ENV)
        if not name:
            raise ConfigError(f"environment variable {LEDGER_TABLE_ENV} is not set", key=LEDGER_TABLE_ENV)
        return cls(name, dynamodb_client)

    # ------------------------------------------------------------------ writing
    def head(self) -> dict[str, Any] | None:
        """The last record (strongly consistent), or None for an empty ledger."""
        resp = self._ddb.query(
            TableName=self.table, KeyConditionExpression="#c = :c", ExpressionAttributeNames={"#c": "chain"},
            ExpressionAttributeValues={":c": {"S": CHAIN}}, ScanIndexForward=False, Limit=1, ConsistentRead=True)
        items = resp.get("Items") or []
        return _from_item(items[0]) if items else None

    def append(self, kind: str, subject: str, detail: dict[str, Any]) -> dict[str, Any]:
        """Append one record after the current head; returns it (with ``seq`` and ``hash``).

        Raises
        ------
        LedgerError
            When :data:`MAX_APPEND_ATTEMPTS` conditional puts in a row lost the race for the next ``seq``.
        """
        detail_json = canonical_json(detail)
        for attempt in range(MAX_APPEND_ATTEMPTS):
            if attempt:
                self._sleep(random.uniform(0, min(APPEND_BACKOFF_MAX_SECONDS, APPEND_BACKOFF_SECONDS * 2**attempt)))
            head = self.head()
            record: dict[str, Any] = {
                "chain": CHAIN, "seq": (head["seq"] + 1) if head else 1, "at": self._clock(), "kind": kind,
                "subject": subject, "detail": detail_json, "prev": head["hash"] if head else GENESIS,
            }
            record["hash"] = record_hash(record)
            try:
                self._ddb.put_item(TableName=self.table, Item=_to_item(record),
                                   ConditionExpression="attribute_not_exists(#s)",
                                   ExpressionAttributeNames={"#s": "seq"})
            except self._ddb.exceptions.ConditionalCheckFailedException:
                continue  # another writer took this seq: chain after its record instead
            return record
        raise LedgerError(f"ledger {self.table}: could not append {kind} after {MAX_APPEND_ATTEMPTS} attempts")

    # ------------------------------------------------------------------ reading
    def records(self) -> Iterator[dict[str, Any]]:
        """Every record in ``seq`` order (strongly consistent, paginated)."""
        kwargs: dict[str, Any] = {
            "TableName": self.table, "KeyConditionExpression": "#c = :c", "ExpressionAttributeNames": {"#c": "chain"},
            "ExpressionAttributeValues": {":c": {"S": CHAIN}}, "ConsistentRead": True,
        }
        while True:
            resp = self._ddb.query(**kwargs)
            for item in resp.get("Items") or []:
                yield _from_item(item)
            if "LastEvaluatedKey" not in resp:
                return
            kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]

    def verify(self) -> tuple[bool, list[str]]:
        """Check the whole chain; returns ``(ok, problems)``, one readable line per problem."""
        return verify_records(self.records())


def verify_records(records: Iterator[dict[str, Any]] | list[dict[str, Any]]) -> tuple[bool, list[str]]:
    """Check records given in ``seq`` order: numbering without gaps, each hash, and each link to its predecessor.

    Examples
    --------
    >>> r1 = {"chain": "aidr", "seq": 1, "at": "t", "kind": "k", "subject": "s", "detail": "{}", "prev": GENESIS}
    >>> r1["hash"] = record_hash(r1)
    >>> verify_records([r1])
    (True, [])
    >>> verify_records([{**r1, "subject": "changed"}])[1]
    ['seq 1: hash does not match its content (record modified)']
    """
    problems: list[str] = []
    expected_seq, prev_hash = 1, GENESIS
    for r in records:
        seq = r.get("seq")
        if seq != expected_seq:
            problems.append(f"seq {seq}: expected seq {expected_seq} (records missing or reordered)")
        if any(k not in r for k in (*HASHED_FIELDS, "hash")):
            problems.append(f"seq {seq}: missing fields {sorted(set(HASHED_FIELDS) - set(r))}")
        else:
            if record_hash(r) != r["hash"]:
                problems.append(f"seq {seq}: hash does not match its content (record modified)")
            if r["prev"] != prev_hash:
                problems.append(f"seq {seq}: does not chain to the record before it (a record removed, "
                                "reordered or modified)")
        expected_seq = (seq if isinstance(seq, int) else expected_seq) + 1
        prev_hash = r.get("hash", "")
    return not problems, problems
