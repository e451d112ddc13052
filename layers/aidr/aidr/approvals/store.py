"""Approval records in DynamoDB: the task token stays here, every decision is a single-use conditional write.

Item layout (table key: ``id`` S):

- ``id``: :func:`approval_id` of the execution (deterministic, so a retried request finds its record);
- ``status``: ``pending`` -> ``approved`` | ``rejected`` (a decision), or ``expired`` (a decision came after the
  wait ended; an escalation wait re-opens it as ``pending``);
- ``execution_arn``, ``playbook``, ``finding_id``, ``subject`` (the finding's principal ARN, may be empty),
  ``finding`` and ``plan`` (S, JSON), ``severity``, ``requested_at`` (S, RFC 3339), ``expires_at`` (N, epoch
  seconds of the current wait's end);
- ``task_token`` (S): the token of the wait in progress; never returned by :meth:`Approval.public`;
- ``escalated`` (BOOL), ``notified`` (SS: ``initial`` / ``escalation``, notifications already sent);
- after a decision: ``decided_by``, ``decided_at``, ``reason``, ``delivered`` (BOOL: Step Functions accepted it).

Examples
--------
>>> approval_id("arn:aws:states:us-east-1:111122223333:execution:aidr-revoke-principal:f-3f1c")
'ap-91ae58d3489a8fe9d579'
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .errors import AlreadyResolved

PENDING, APPROVED, REJECTED, EXPIRED = "pending", "approved", "rejected", "expired"
DECIDED = (APPROVED, REJECTED)
STAGES = ("initial", "escalation")
MAX_DECIDE_ATTEMPTS = 3


def approval_id(execution_arn: str) -> str:
    """The approval id of a playbook execution: the same on every retry and for its escalation wait."""
    return "ap-" + hashlib.sha256(execution_arn.encode()).hexdigest()[:20]


@dataclass(frozen=True)
class Approval:
    """One approval record (see the module docstring for the fields)."""

    id: str
    status: str
    execution_arn: str
    playbook: str
    finding_id: str
    subject: str
    finding: dict[str, Any]
    plan: list[dict[str, Any]]
    requested_at: str
    expires_at: int
    task_token: str = field(repr=False)
    escalated: bool = False
    notified: frozenset[str] = frozenset()
    decided_by: str | None = None
    decided_at: str | None = None
    reason: str | None = None
    delivered: bool = False

    def public(self) -> dict[str, Any]:
        """What the API, the CLI and messages may show: everything but the task token."""
        return {
            "id": self.id, "status": self.status, "playbook": self.playbook, "execution_arn": self.execution_arn,
            "finding_id": self.finding_id, "subject": self.subject, "finding": self.finding, "plan": self.plan,
            "requested_at": self.requested_at, "expires_at": self.expires_at, "escalated": self.escalated,
            "decided_by": self.decided_by, "decided_at": self.decided_at, "reason": self.reason,
        }

    def decision_document(self) -> dict[str, Any]:
        """The output (approved) or failure cause (rejected) handed to Step Functions."""
        return {"approval_id": self.id, "decision": self.status, "by": self.decided_by, "reason": self.reason,
                "at": self.decided_at}


def _s(item: dict[str, Any], key: str) -> str | None:
    v = item.get(key)
    return v["S"] if v and "S" in v else None


def _from_item(item: dict[str, Any]) -> Approval:
    return Approval(
        id=item["id"]["S"], status=item["status"]["S"], execution_arn=_s(item, "execution_arn") or "",
        playbook=_s(item, "playbook") or "", finding_id=_s(item, "finding_id") or "", subject=_s(item, "subject") or "",
        finding=json.loads(_s(item, "finding") or "{}"), plan=json.loads(_s(item, "plan") or "[]"),
        requested_at=_s(item, "requested_at") or "", expires_at=int(item.get("expires_at", {}).get("N", "0")),
        task_token=_s(item, "task_token") or "", escalated=bool(item.get("escalated", {}).get("BOOL", False)),
        notified=frozenset(item.get("notified", {}).get("SS", [])), decided_by=_s(item, "decided_by"),
        decided_at=_s(item, "decided_at"), reason=_s(item, "reason"),
        delivered=bool(item.get("delivered", {}).get("BOOL", False)),
    )


class ApprovalStore:
    """Approval records in one DynamoDB table (``AIDR_APPROVALS_TABLE``, key ``id`` S).

    Parameters
    ----------
    table_name : str
        The approvals table.
    dynamodb_client : botocore client, optional
        A DynamoDB client; one from :func:`aidr.aws.client` when omitted.
    """

    def __init__(self, table_name: str, dynamodb_client: Any = None) -> None:
        if dynamodb_client is None:
            from ..aws import client

            dynamodb_client = client("dynamodb")
        self.table = table_name
        self._ddb = dynamodb_client

    @property
    def _conflict(self) -> type[Exception]:
        return self._ddb.exceptions.ConditionalCheckFailedException  # type: ignore[no-any-return]

    # ------------------------------------------------------------------ requests
    def request(self, *, execution_arn: str, playbook: str, finding: dict[str, Any], plan: list[dict[str, Any]],
                task_token: str, expires_at: int, escalation: bool, now: str) -> Approval:
        """Create the record of a wait, or hand an existing one the token of the wait now in progress.

        Idempotent: a retried request finds the record and only swaps in its (new) token. A record ``expired`` by a
        late decision is re-opened by its escalation wait. A decided record is returned unchanged: the caller
        delivers its decision with the new token (the execution is waiting for it).
        """
        aid = approval_id(execution_arn)
        principal = (finding.get("principal") or {}).get("arn") or ""
        item = {
            "id": {"S": aid}, "status": {"S": PENDING}, "execution_arn": {"S": execution_arn},
            "playbook": {"S": playbook}, "finding_id": {"S": str(finding.get("id", ""))}, "subject": {"S": principal},
            "severity": {"S": str(finding.get("severity", ""))},
            "finding": {"S": json.dumps(finding, sort_keys=True, default=str)},
            "plan": {"S": json.dumps(plan, sort_keys=True, default=str)}, "requested_at": {"S": now},
            "expires_at": {"N": str(expires_at)}, "task_token": {"S": task_token}, "escalated": {"BOOL": escalation},
        }
        try:
            self._ddb.put_item(TableName=self.table, Item=item, ConditionExpression="attribute_not_exists(id)")
            return _from_item(item)
        except self._conflict:
            pass
        try:
            resp = self._ddb.update_item(
                TableName=self.table, Key={"id": {"S": aid}},
                UpdateExpression="SET task_token = :t, expires_at = :e, escalated = :esc, #st = :pending",
                ConditionExpression="#st IN (:pending, :expired)",
                ExpressionAttributeNames={"#st": "status"},
                ExpressionAttributeValues={":t": {"S": task_token}, ":e": {"N": str(expires_at)},
                                           ":esc": {"BOOL": escalation}, ":pending": {"S": PENDING},
                                           ":expired": {"S": EXPIRED}},
                ReturnValues="ALL_NEW")
            return _from_item(resp["Attributes"])
        except self._conflict:
            found = self.get(aid)
            assert found is not None  # the put above just proved it exists; approvals are never deleted
            return found

    def mark_notified(self, aid: str, stage: str) -> None:
        self._ddb.update_item(TableName=self.table, Key={"id": {"S": aid}}, UpdateExpression="ADD notified :s",
                              ExpressionAttributeValues={":s": {"SS": [stage]}})

    # ------------------------------------------------------------------ reading
    def get(self, aid: str) -> Approval | None:
        item = self._ddb.get_item(TableName=self.table, Key={"id": {"S": aid}}, ConsistentRead=True).get("Item")
        return _from_item(item) if item else None

    def _scan(self) -> Iterator[dict[str, Any]]:
        kwargs: dict[str, Any] = {"TableName": self.table}
        while True:
            resp = self._ddb.scan(**kwargs)
            yield from resp.get("Items") or []
            if "LastEvaluatedKey" not in resp:
                return
            kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]

    def list(self, status: str | None = None) -> list[Approval]:
        """Every approval (or those with ``status``), newest request first."""
        found = [_from_item(i) for i in self._scan() if status is None or i["status"]["S"] == status]
        return sorted(found, key=lambda a: a.requested_at, reverse=True)

    # ------------------------------------------------------------------ decisions
    def decide(self, aid: str, approver_arn: str, decision: str, reason: str, now: str) -> Approval:
        """Record a decision once: conditional on the record still pending with the token that was read.

        Returns the decided record (its token is the one to answer). Raises :class:`AlreadyResolved` when the
        approval is no longer pending; a token swapped in by a concurrent escalation is re-read and retried.
        """
        if decision not in DECIDED:
            raise ValueError(f"decision must be one of {DECIDED}, got {decision!r}")
        for _ in range(MAX_DECIDE_ATTEMPTS):
            current = self.get(aid)
            if current is None or current.status != PENDING:
                raise AlreadyResolved(f"approval {aid} is already resolved"
                                      + (f" ({current.status})" if current else ""))
            try:
                resp = self._ddb.update_item(
                    TableName=self.table, Key={"id": {"S": aid}},
                    UpdateExpression="SET #st = :d, decided_by = :by, decided_at = :at, reason = :r, delivered = :f",
                    ConditionExpression="#st = :pending AND task_token = :t",
                    ExpressionAttributeNames={"#st": "status"},
                    ExpressionAttributeValues={":d": {"S": decision}, ":by": {"S": approver_arn}, ":at": {"S": now},
                                               ":r": {"S": reason}, ":f": {"BOOL": False},
                                               ":pending": {"S": PENDING}, ":t": {"S": current.task_token}},
                    ReturnValues="ALL_NEW")
                return _from_item(resp["Attributes"])
            except self._conflict:
                continue
        raise AlreadyResolved(f"approval {aid} changed while it was being decided; try again")

    def mark_delivered(self, aid: str) -> None:
        self._ddb.update_item(TableName=self.table, Key={"id": {"S": aid}}, UpdateExpression="SET delivered = :t",
                              ExpressionAttributeValues={":t": {"BOOL": True}})

    def mark_expired(self, aid: str, token: str) -> None:
        """The wait of ``token`` ended before its decision reached Step Functions: the decision did not happen."""
        # A conflict: an escalation already swapped in a new token (and re-opened the record): leave it.
        with contextlib.suppress(self._conflict):
            self._ddb.update_item(
                TableName=self.table, Key={"id": {"S": aid}},
                UpdateExpression="SET #st = :x, late_by = decided_by, late_reason = reason "
                                 "REMOVE decided_by, decided_at, reason",
                ConditionExpression="task_token = :t AND delivered = :f",
                ExpressionAttributeNames={"#st": "status"},
                ExpressionAttributeValues={":x": {"S": EXPIRED}, ":t": {"S": token}, ":f": {"BOOL": False}})

    def release(self, aid: str, token: str, approver_arn: str) -> None:
        """Undo a decision Step Functions never received (a transient error): the approval is pending again."""
        with contextlib.suppress(self._conflict):  # decided and delivered meanwhile: nothing to undo
            self._ddb.update_item(
                TableName=self.table, Key={"id": {"S": aid}},
                UpdateExpression="SET #st = :pending REMOVE decided_by, decided_at, reason",
                ConditionExpression="task_token = :t AND decided_by = :by AND delivered = :f",
                ExpressionAttributeNames={"#st": "status"},
                ExpressionAttributeValues={":pending": {"S": PENDING}, ":t": {"S": token},
                                           ":by": {"S": approver_arn}, ":f": {"BOOL": False}})
