"""The findings table: one item per finding id, merged on re-emission, written with optimistic locking.

Item (table key ``id`` S): ``finding`` (S, the finding JSON), ``version`` (N), a few copies of finding fields
for the console and queries (``detector``, ``category``, ``severity``, ``last_seen``), and ``notified_rank``
(N, the severity rank last announced on SNS) which only the notification claim writes.

Re-delivery changes nothing: a finding whose merge with the stored one is identical is not written again, so
:meth:`FindingStore.record` reports it as neither new nor escalated.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

import orjson

from ..errors import AidrError
from .model import SEVERITY_ORDER, Finding

NOT_NOTIFIED = -1


class FindingConflict(AidrError):
    """Concurrent writers kept winning the optimistic lock on one finding; Lambda's retry will try again."""


@dataclass(frozen=True)
class RecordResult:
    """What :meth:`FindingStore.record` did.

    ``finding`` is the stored (merged) finding; ``notified_rank`` the severity rank last notified, or -1.
    """

    new: bool
    escalated: bool
    finding: Finding
    notified_rank: int = NOT_NOTIFIED


def severity_rank(finding: Finding) -> int:
    return SEVERITY_ORDER[finding.severity]


class FindingStore:
    """Findings in DynamoDB (``AIDR_FINDINGS_TABLE``).

    Parameters
    ----------
    table_name : str
        The table (partition key ``id`` S).
    client : botocore client, optional
        A DynamoDB client; one from :func:`aidr.aws.client` when omitted.
    max_attempts : int
        Optimistic-lock attempts before :class:`FindingConflict` is raised.

    Examples
    --------
    >>> store = FindingStore("aidr-findings")          # doctest: +SKIP
    >>> store.record(finding)                          # doctest: +SKIP
    RecordResult(new=True, escalated=False, finding=Finding(...), notified_rank=-1)
    """

    def __init__(self, table_name: str, client: Any = None, max_attempts: int = 10) -> None:
        if client is None:
            from ..aws import client as make_client

            client = make_client("dynamodb")
        self.table = table_name
        self._ddb = client
        self.max_attempts = max_attempts

    def get(self, finding_id: str) -> Finding | None:
        item = self._read(finding_id)
        return Finding.model_validate_json(item["finding"]["S"]) if item else None

    def record(self, finding: Finding) -> RecordResult:
        """Store ``finding``, or merge it into the stored one (:meth:`Finding.merge`); idempotent."""
        cce = self._ddb.exceptions.ConditionalCheckFailedException
        for _ in range(self.max_attempts):
            item = self._read(finding.id)
            if item is None:
                try:
                    self._ddb.put_item(
                        TableName=self.table,
                        Item={"id": {"S": finding.id}, "version": {"N": "1"}, **self._attributes(finding)},
                        ConditionExpression="attribute_not_exists(id)",
                    )
                except cce:
                    continue  # another invocation stored it first: merge into theirs
                return RecordResult(new=True, escalated=False, finding=finding)
            current = Finding.model_validate_json(item["finding"]["S"])
            notified = int(item["notified_rank"]["N"]) if "notified_rank" in item else NOT_NOTIFIED
            merged = current.merge(finding)
            # Compared as JSON: the stored times have millisecond precision, a fresh finding may have more.
            if merged.to_json_dict() == current.to_json_dict():
                return RecordResult(new=False, escalated=False, finding=current, notified_rank=notified)
            version = int(item["version"]["N"])
            attrs = self._attributes(merged)
            names = {f"#{k}": k for k in attrs}
            try:
                # An update, not a put: notified_rank belongs to the notification claim and must survive.
                self._ddb.update_item(
                    TableName=self.table,
                    Key={"id": {"S": finding.id}},
                    UpdateExpression="SET #version = :next, " + ", ".join(f"#{k} = :{k}" for k in attrs),
                    ConditionExpression="#version = :version",
                    ExpressionAttributeNames={"#version": "version", **names},
                    ExpressionAttributeValues={
                        ":version": {"N": str(version)},
                        ":next": {"N": str(version + 1)},
                        **{f":{k}": v for k, v in attrs.items()},
                    },
                )
            except cce:
                continue
            escalated = severity_rank(merged) > severity_rank(current)
            return RecordResult(new=False, escalated=escalated, finding=merged, notified_rank=notified)
        raise FindingConflict(f"finding {finding.id}: still conflicting after {self.max_attempts} attempts")

    def claim_notification(self, finding_id: str, rank: int) -> bool:
        """Mark ``rank`` as notified unless it (or higher) already is; False when another invocation claimed it."""
        try:
            self._ddb.update_item(
                TableName=self.table,
                Key={"id": {"S": finding_id}},
                UpdateExpression="SET notified_rank = :rank",
                ConditionExpression="attribute_exists(id) AND (attribute_not_exists(notified_rank) "
                "OR notified_rank < :rank)",
                ExpressionAttributeValues={":rank": {"N": str(rank)}},
            )
        except self._ddb.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def release_notification(self, finding_id: str, rank: int, previous: int) -> None:
        """Undo :meth:`claim_notification` after the publish failed, so the retry notifies."""
        # When the condition fails, someone claimed a higher rank since: theirs stands.
        with contextlib.suppress(self._ddb.exceptions.ConditionalCheckFailedException):
            self._ddb.update_item(
                TableName=self.table,
                Key={"id": {"S": finding_id}},
                UpdateExpression="SET notified_rank = :previous",
                ConditionExpression="notified_rank = :rank",
                ExpressionAttributeValues={":rank": {"N": str(rank)}, ":previous": {"N": str(previous)}},
            )

    def _read(self, finding_id: str) -> dict[str, Any] | None:
        resp = self._ddb.get_item(TableName=self.table, Key={"id": {"S": finding_id}}, ConsistentRead=True)
        return resp.get("Item")

    @staticmethod
    def _attributes(finding: Finding) -> dict[str, dict[str, str]]:
        doc = finding.to_json_dict()
        return {
            "finding": {"S": orjson.dumps(doc).decode()},
            "detector": {"S": finding.detector},
            "category": {"S": finding.category},
            "severity": {"S": finding.severity},
            "last_seen": {"S": doc["last_seen"]},
        }
