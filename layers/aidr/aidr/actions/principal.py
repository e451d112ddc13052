"""Contain an IAM principal with named inline deny policies: revoke sessions, cut Bedrock, disable console sign-in.

All three are exactly reversible (undo puts back what was under the policy name before) and leave every other
policy alone. Service-linked and Identity Center roles are refused by :mod:`aidr.guards` before any of them runs
(IAM forbids changing the former; the latter are owned by a permission set and overwritten on its next sync).
In a playbook they run after the workloads that use the principal (see ``ORDER_*`` in :mod:`.base`).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from .base import ORDER_PRINCIPAL, Snapshot, action, read_or_none
from .inline_policy import (
    ROLE_POLICY_PERMISSIONS,
    USER_POLICY_PERMISSIONS,
    Document,
    InlinePolicyAction,
    InlinePolicyState,
)
from .targets import Target, TargetType

REVOKE_POLICY = "AWSRevokeOlderSessions"
DENY_BEDROCK_POLICY = "AidrDenyBedrock"
DISABLE_LOGIN_POLICY = "AidrDisableLoginProfile"
_TOKEN_ISSUE_TIME = "aws:TokenIssueTime"
# Bedrock API keys work on two endpoints, each with its own action: both must be denied to stop a key.
BEDROCK_ACTIONS = ["bedrock:*", "bedrock:CallWithBearerToken", "bedrock-mantle:*", "bedrock-mantle:CallWithBearerToken"]


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def revocation_cutoff_for(now: datetime) -> datetime:
    """``now`` rounded *up* to the second (the policy's precision): a session issued earlier in the same second is
    revoked too, never missed."""
    whole = now.replace(microsecond=0)
    return whole + timedelta(seconds=math.ceil(now.microsecond / 1e6))


def revoke_document(cutoff: datetime) -> Document:
    """The console's ``AWSRevokeOlderSessions`` policy: deny everything to credentials issued before ``cutoff``.

    Examples
    --------
    >>> revoke_document(datetime(2024, 5, 1, 12, 0, tzinfo=UTC))["Statement"][0]["Condition"]
    {'DateLessThan': {'aws:TokenIssueTime': '2024-05-01T12:00:00Z'}}
    """
    return {"Version": "2012-10-17", "Statement": [{
        "Effect": "Deny", "Action": ["*"], "Resource": ["*"],
        "Condition": {"DateLessThan": {_TOKEN_ISSUE_TIME: _iso(cutoff)}},
    }]}


def _as_list(v: Any) -> list[Any]:
    return v if isinstance(v, list) else [v]


def revocation_cutoff(doc: Document | None) -> datetime | None:
    """The latest cut-off of a deny-all-before statement in ``doc`` (None when it has none)."""
    best: datetime | None = None
    for st in _as_list((doc or {}).get("Statement") or []):
        if not isinstance(st, dict) or st.get("Effect") != "Deny":
            continue
        if _as_list(st.get("Action")) != ["*"] or _as_list(st.get("Resource")) != ["*"]:
            continue
        raw = ((st.get("Condition") or {}).get("DateLessThan") or {}).get(_TOKEN_ISSUE_TIME)
        try:
            cutoff = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
        except ValueError:
            continue
        if cutoff.tzinfo is None:
            cutoff = cutoff.replace(tzinfo=UTC)
        best = cutoff if best is None or cutoff > best else best
    return best


class _RevokeSessions(InlinePolicyAction):
    """Deny every request made with temporary credentials issued before the moment of apply.

    The cut-off is *now* when apply runs (not the event time, not the snapshot time): sessions the attacker
    minted while a playbook waited for approval are revoked too. A pre-existing ``AWSRevokeOlderSessions`` with an
    older cut-off is replaced (undo puts it back); one whose cut-off is at or after the snapshot already does the
    job, so a re-run changes nothing. Requests signed with long-term access keys carry no ``aws:TokenIssueTime`` and
    are not affected: for users, also run ``deactivate-access-keys``.

    Undo deletes the policy (or restores the previous one): sessions that have not expired work again.
    """

    policy_name = REVOKE_POLICY
    effect = "deny every request made with credentials issued before now"
    order = ORDER_PRINCIPAL

    def document(self, snap: Snapshot) -> Document:
        return revoke_document(revocation_cutoff_for(self.now()))

    def in_effect(self, current: Document | None, snap: Snapshot) -> bool:
        cutoff = revocation_cutoff(current)
        return cutoff is not None and cutoff >= snap.taken_at.replace(microsecond=0)


@action("revoke-role-sessions")
class RevokeRoleSessions(_RevokeSessions):
    __doc__ = _RevokeSessions.__doc__
    title = "Revoke the role's active sessions"
    target_types: ClassVar[tuple[TargetType, ...]] = ("iam-role",)
    permissions = ROLE_POLICY_PERMISSIONS


@action("revoke-user-sessions")
class RevokeUserSessions(_RevokeSessions):
    __doc__ = _RevokeSessions.__doc__
    title = "Revoke the user's active sessions (console and STS)"
    target_types: ClassVar[tuple[TargetType, ...]] = ("iam-user",)
    permissions = USER_POLICY_PERMISSIONS


@action("deny-bedrock")
class DenyBedrock(InlinePolicyAction):
    """Cut a role or user off Amazon Bedrock: inline ``AidrDenyBedrock`` denying ``bedrock:*`` and
    ``bedrock-mantle:*`` (the OpenAI/Anthropic-compatible endpoint, its own IAM namespace), with both
    ``CallWithBearerToken`` actions named explicitly: Bedrock API keys are checked against them, one per endpoint.

    Narrower than revoking sessions: the principal keeps its other access, so a workload that shares the role keeps
    running. Long-term Bedrock API keys of a user are also cut by this deny; ``deactivate-bedrock-api-keys``
    additionally switches them off. Undo deletes the policy (or restores a previous ``AidrDenyBedrock``).
    """

    title = "Deny all Amazon Bedrock access"
    policy_name = DENY_BEDROCK_POLICY
    effect = "deny bedrock:*, bedrock-mantle:* and both endpoints' CallWithBearerToken (API keys)"
    permissions = ROLE_POLICY_PERMISSIONS + USER_POLICY_PERMISSIONS

    def document(self, snap: Snapshot) -> Document:
        return {"Version": "2012-10-17", "Statement": [{
            "Sid": DENY_BEDROCK_POLICY, "Effect": "Deny",
            "Action": BEDROCK_ACTIONS, "Resource": "*",
        }]}


class LoginProfileState(InlinePolicyState):
    login_profile: bool = False
    """The user had a console password when the snapshot was taken (recorded for the operator)."""
    password_reset_required: bool | None = None


@action("disable-login-profile")
class DisableLoginProfile(InlinePolicyAction):
    """Disable a user's console access reversibly: inline ``AidrDisableLoginProfile`` denying every action.

    Why a deny and not DeleteLoginProfile: a deleted password cannot be restored (IAM never returns it), so undo
    could only set a new password the user does not know, and forcing a reset on undo changes the user's state too.
    The deny leaves the password as it is but makes any console session useless (every call fails, including
    ``iam:ChangePassword``, so a stolen password cannot be rotated to lock the owner out), and it covers a console
    password the attacker might create later. Undo deletes exactly that policy. The snapshot records whether a
    login profile existed. Run with ``deactivate-access-keys`` and ``revoke-user-sessions`` to contain a user fully.
    """

    title = "Disable the user's console sign-in"
    policy_name = DISABLE_LOGIN_POLICY
    effect = "deny every action to the user, console sessions included (the password is kept)"
    target_types: ClassVar[tuple[TargetType, ...]] = ("iam-user",)
    permissions = (*USER_POLICY_PERMISSIONS, "iam:GetLoginProfile")
    state_model = LoginProfileState

    def document(self, snap: Snapshot) -> Document:
        return {"Version": "2012-10-17", "Statement": [{
            "Sid": DISABLE_LOGIN_POLICY, "Effect": "Deny", "Action": "*", "Resource": "*",
        }]}

    def _capture(self, target: Target, options: Any) -> LoginProfileState:
        iam = self.client("iam", target)
        found = read_or_none(lambda: iam.get_login_profile(UserName=target.name), "NoSuchEntity")
        profile = (found or {}).get("LoginProfile")
        return LoginProfileState(
            previous=self.policies(target).get(self.policy_name),
            login_profile=profile is not None,
            password_reset_required=profile.get("PasswordResetRequired") if profile else None,
        )
