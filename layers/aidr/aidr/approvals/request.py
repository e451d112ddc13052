"""RequestApprovalFunction's work: keep the task token, tell the approvers, record the request in the ledger.

Invoked by a playbook's approval Task (``arn:aws:states:::lambda:invoke.waitForTaskToken``) with::

    {"task_token": "<$$.Task.Token>", "execution_arn": "<$$.Execution.Id>", "playbook": "revoke-principal",
     "finding": {...}, "plan": [{"action", "target", "changes", "destructive"}, ...], "escalation": false,
     "timeout_seconds": 3600}                                   # optional: the wait's TimeoutSeconds

Idempotent: Lambda and Step Functions retry, so the approval id comes from the execution ARN, the record only
takes the newest token, and each stage (``initial``, ``escalation``) is notified and written to the ledger once.
A record decided already (its decision reached no live wait) has that decision delivered with the new token.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from .decide import now_rfc3339, send_decision
from .errors import BadRequest
from .notify import notify
from .store import DECIDED, ApprovalStore

if TYPE_CHECKING:
    from ..ledger import Ledger

REQUIRED = ("task_token", "execution_arn", "playbook", "finding", "plan")


def parse_request(event: dict[str, Any]) -> dict[str, Any]:
    """The request's fields, checked: a malformed payload is a bug in the state machine, never retried into luck."""
    missing = [k for k in REQUIRED if not event.get(k) and event.get(k) != []]
    if missing:
        raise BadRequest(f"approval request lacks {', '.join(missing)}")
    if not isinstance(event["finding"], dict) or not isinstance(event["plan"], list):
        raise BadRequest("approval request: 'finding' must be an object and 'plan' a list")
    timeout = event.get("timeout_seconds")
    if timeout is None:
        from ..config import AidrConfig  # pydantic: loaded on this rare path only, not at cold start

        timeout = AidrConfig().approval_timeout(str(event["finding"].get("severity", "high")))
    return {**event, "escalation": bool(event.get("escalation", False)), "timeout_seconds": int(timeout)}


def request_approval(event: dict[str, Any], *, store: ApprovalStore, sfn_client: Any, sns_client: Any,
                     topic_arn: str, ledger: Ledger | None = None, secrets_client: Any = None,
                     env: dict[str, str] | None = None, poster: Any = None,
                     clock: Any = time.time) -> dict[str, Any]:
    """Store (or refresh) the approval, notify once per stage, ledger once per stage; returns a short summary."""
    req = parse_request(event)
    stage = "escalation" if req["escalation"] else "initial"
    approval = store.request(
        execution_arn=req["execution_arn"], playbook=req["playbook"], finding=req["finding"], plan=req["plan"],
        task_token=req["task_token"], expires_at=int(clock()) + req["timeout_seconds"], escalation=req["escalation"],
        now=now_rfc3339())
    if approval.status in DECIDED:
        send_decision(sfn_client, req["task_token"], approval.decision_document())
        store.mark_delivered(approval.id)
        return {"approval_id": approval.id, "status": approval.status, "notified": False, "redelivered": True}
    notified = False
    if stage not in approval.notified:
        notify(approval, req["escalation"], sns_client=sns_client, topic_arn=topic_arn,
               secrets_client=secrets_client, env=env, poster=poster)
        if ledger is not None:
            ledger.append("approval.escalated" if req["escalation"] else "approval.requested", approval.id, {
                "playbook": approval.playbook, "finding_id": approval.finding_id, "subject": approval.subject,
                "execution_arn": approval.execution_arn, "plan": approval.plan, "expires_at": approval.expires_at})
        store.mark_notified(approval.id, stage)
        notified = True
    return {"approval_id": approval.id, "status": approval.status, "stage": stage, "notified": notified}
