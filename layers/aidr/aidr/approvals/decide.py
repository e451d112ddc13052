"""The one decision path the API, the Slack endpoint and the CLI share.

:func:`decide` checks, in order: the decision and its reason are well formed; the caller is known (an
authenticated identity, never one taken from the request body); the approval exists and is pending; the caller
matches a config ``approvers`` pattern; the caller is not the finding's principal nor an IAM principal the plan
contains (a role and its sessions are the same principal). Then it records who/when/why with a conditional write
(single use), hands the decision to Step Functions (SendTaskSuccess, or SendTaskFailure with error
``aidr.Rejected``) and appends ``approval.decided`` to the audit ledger.

Step Functions answering ``TaskTimedOut`` / ``InvalidToken`` / ``TaskDoesNotExist`` means the wait is over (timed
out, execution stopped): the record is marked ``expired`` and the caller hears "already resolved". Any other
error un-does the record (the approval is pending again) and is raised, so the caller can retry.

Examples
--------
>>> caller = "arn:aws:sts::111122223333:assumed-role/OnCall/alice"
>>> doc = decide(store, "ap-91ae58d3489a8fe9d579", caller, "approve", "confirmed with the model owner",
...              config, sfn_client=sfn, ledger=ledger)  # doctest: +SKIP
>>> doc["decision"]  # doctest: +SKIP
'approved'
"""

from __future__ import annotations

import fnmatch
import json
import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from ..aws import error_code
from .errors import AlreadyResolved, BadRequest, Forbidden, NotAuthenticated, NotFound
from .identity import principal_key, role_arn, same_principal
from .store import APPROVED, PENDING, REJECTED, ApprovalStore

if TYPE_CHECKING:
    from ..config import AidrConfig
    from ..ledger import Ledger

DECISIONS = {"approve": APPROVED, "approved": APPROVED, "reject": REJECTED, "rejected": REJECTED}
REJECTED_ERROR = "aidr.Rejected"
MAX_REASON = 1000
# Step Functions errors that mean "this wait is over": a late or duplicate decision.
RESOLVED_ERRORS = ("TaskTimedOut", "InvalidToken", "TaskDoesNotExist")


def now_rfc3339() -> str:
    dt = datetime.now(UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def normalise_decision(decision: Any, reason: Any) -> tuple[str, str]:
    """``("approved" | "rejected", reason)`` or :class:`BadRequest`; a reason is required (the audit's "why")."""
    d = DECISIONS.get(str(decision).strip().lower()) if isinstance(decision, str) else None
    if d is None:
        raise BadRequest('decision must be "approve" or "reject"')
    if not isinstance(reason, str) or not reason.strip():
        raise BadRequest("a reason is required")
    reason = " ".join(reason.split())  # one line: it goes into logs, tables and Slack messages
    if len(reason) > MAX_REASON:
        raise BadRequest(f"reason is longer than {MAX_REASON} characters")
    return d, reason


def is_approver(config: AidrConfig, caller: str) -> bool:
    """The caller's ARN (or, for a session, its role's ARN) matches an ``approvers`` pattern.

    A session ARN never shows its role's path (``assumed-role/AWSReservedSSO_OnCall_ab12/alice`` for the role
    ``role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_OnCall_ab12``), so a role pattern with a path also matches
    a session of the role it names exactly: a role name is unique in its account, whatever the path. A pattern
    whose name part has a wildcard under a path is not widened that way (the path is part of what it allows).
    """
    if config.is_approver(caller):
        return True
    role = role_arn(caller)
    if role == caller:
        return False
    return config.is_approver(role) or any(_names_role_of(p, caller) for p in config.approvers)


def _names_role_of(pattern: str, session: str) -> bool:
    """``pattern`` is a role ARN (any path, exact name) of the session's role, in the session's account."""
    m = _ROLE_PATTERN.match(pattern)
    key = principal_key(session)
    if not m or key is None or any(c in m.group("name") for c in "*?["):
        return False
    return fnmatch.fnmatchcase(key[0], m.group("account")) and m.group("name") == key[2]


_ROLE_PATTERN = re.compile(r"^arn:aws[a-z-]*:iam::(?P<account>[^:]+):role/(?:.*/)?(?P<name>[^/]+)$")


def subjects(finding: dict[str, Any], plan: list[dict[str, Any]]) -> list[str]:
    """IAM principals under containment: the finding's principal and every IAM principal the plan targets."""
    out = [(finding.get("principal") or {}).get("arn") or ""]
    out += [str(step.get("target") or "") for step in plan]
    return [a for a in out if principal_key(a) is not None]


def check_caller(config: AidrConfig, caller: str | None, finding: dict[str, Any], plan: list[dict[str, Any]]) -> str:
    """The caller, when it may decide this approval; :class:`NotAuthenticated` / :class:`Forbidden` otherwise."""
    if not caller:
        raise NotAuthenticated("the request carries no authenticated caller")
    if not is_approver(config, caller):
        raise Forbidden(f"{caller} is not an approver (config key 'approvers')")
    for subject in subjects(finding, plan):
        if same_principal(caller, subject):
            raise Forbidden(f"{caller} is the subject of this containment ({subject}) and cannot approve it")
    return caller


def decide(store: ApprovalStore, approval_id: str, caller: str | None, decision: Any, reason: Any,
           config: AidrConfig, *, sfn_client: Any, ledger: Ledger | None = None, via: str = "api",
           now: str | None = None) -> dict[str, Any]:
    """Decide one approval; returns the decision document (``approval_id``, ``decision``, ``by``, ``reason``, ``at``).

    Raises
    ------
    BadRequest, NotAuthenticated, Forbidden, NotFound, AlreadyResolved
        See :mod:`aidr.approvals.errors`; nothing is recorded or sent in these cases.
    """
    verdict, reason = normalise_decision(decision, reason)
    if not caller:
        raise NotAuthenticated("the request carries no authenticated caller")
    approval = store.get(approval_id)
    if approval is None:
        raise NotFound(f"no approval {approval_id}")
    if approval.status != PENDING:
        raise AlreadyResolved(f"approval {approval_id} is already resolved ({approval.status})")
    check_caller(config, caller, approval.finding, approval.plan)
    decided = store.decide(approval_id, caller, verdict, reason, now or now_rfc3339())
    doc = decided.decision_document()
    try:
        send_decision(sfn_client, decided.task_token, doc)
    except ClientError as e:
        code = error_code(e)
        if code in RESOLVED_ERRORS:
            store.mark_expired(approval_id, decided.task_token)
            if ledger is not None:
                ledger.append("approval.late", approval_id, {**doc, "via": via, "error": code})
            raise AlreadyResolved(f"approval {approval_id} is already resolved (its wait ended: {code})") from None
        store.release(approval_id, decided.task_token, caller)
        raise
    store.mark_delivered(approval_id)
    if ledger is not None:
        ledger.append("approval.decided", approval_id, {
            **doc, "via": via, "playbook": decided.playbook, "finding_id": decided.finding_id,
            "execution_arn": decided.execution_arn})
    return doc


def send_decision(sfn_client: Any, task_token: str, doc: dict[str, Any]) -> None:
    """SendTaskSuccess with the decision document, or SendTaskFailure ``aidr.Rejected`` with it as the cause."""
    body = json.dumps(doc, sort_keys=True)
    if doc["decision"] == APPROVED:
        sfn_client.send_task_success(taskToken=task_token, output=body)
    else:
        sfn_client.send_task_failure(taskToken=task_token, error=REJECTED_ERROR, cause=body)
