"""Approvals: on-call engineers decide playbook steps that wait on a Step Functions task token.

- :class:`ApprovalStore` keeps approval records (and the token, which never leaves the system);
- :func:`request_approval` (RequestApprovalFunction) stores the token, notifies (SNS, optional Slack), ledgers;
- :func:`decide` is the one decision path (approver check, no self-approval, single-use write, SendTask*);
- :func:`handle_api` (ApprovalApiFunction) and :func:`handle_slack` (SlackInteractivityFunction) adapt requests.
"""

from .api import handle_api
from .decide import decide
from .errors import AlreadyResolved, ApprovalError, BadRequest, Forbidden, NotAuthenticated, NotFound
from .request import request_approval
from .slack import handle_slack, verify_signature
from .store import Approval, ApprovalStore, approval_id

__all__ = [
    "AlreadyResolved",
    "Approval",
    "ApprovalError",
    "ApprovalStore",
    "BadRequest",
    "Forbidden",
    "NotAuthenticated",
    "NotFound",
    "approval_id",
    "decide",
    "handle_api",
    "handle_slack",
    "request_approval",
    "verify_signature",
]
