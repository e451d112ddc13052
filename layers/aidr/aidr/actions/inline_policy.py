"""Named inline deny policies on an IAM role or user: the shared core of the principal actions that deny.

Apply puts one named inline policy; undo puts back exactly what was there under that name before (the previous
document when a policy of that name pre-existed, e.g. an older ``AWSRevokeOlderSessions``; nothing otherwise).
Other inline and managed policies are never touched. Documents are compared as JSON values: IAM hands back the
document it stores, so a restored policy is the same JSON (whitespace aside).
"""

from __future__ import annotations

import json
from abc import abstractmethod
from collections.abc import Iterable
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from .base import Action, Change, Part, Snapshot, change, read_or_none
from .targets import Target, TargetType

Document = dict[str, Any]

ROLE_POLICY_PERMISSIONS = ("iam:GetRolePolicy", "iam:PutRolePolicy", "iam:DeleteRolePolicy")
USER_POLICY_PERMISSIONS = ("iam:GetUserPolicy", "iam:PutUserPolicy", "iam:DeleteUserPolicy")


class InlinePolicies:
    """Get/put/delete one principal's inline policies by name, whether it is a role or a user."""

    def __init__(self, iam: Any, target: Target) -> None:
        self._iam = iam
        self._target = target
        self._role = target.type == "iam-role"

    def _who(self) -> dict[str, str]:
        return {"RoleName": self._target.name} if self._role else {"UserName": self._target.name}

    def get(self, name: str) -> Document | None:
        fetch = self._iam.get_role_policy if self._role else self._iam.get_user_policy
        found = read_or_none(lambda: fetch(PolicyName=name, **self._who()), "NoSuchEntity")
        if found is None:
            return None
        doc = found["PolicyDocument"]
        # boto3 decodes the URL-encoded document; a client without that handler returns the JSON string.
        return json.loads(doc) if isinstance(doc, str) else doc

    def put(self, name: str, document: Document) -> None:
        put = self._iam.put_role_policy if self._role else self._iam.put_user_policy
        put(PolicyName=name, PolicyDocument=json.dumps(document), **self._who())

    def delete(self, name: str) -> None:
        delete = self._iam.delete_role_policy if self._role else self._iam.delete_user_policy
        delete(PolicyName=name, **self._who())


class InlinePolicyState(BaseModel):
    model_config = ConfigDict(extra="forbid")

    previous: Document | None = None
    """The document stored under the action's policy name before apply (None: there was none)."""


class InlinePolicyAction(Action):
    """Puts the inline policy ``policy_name`` whose document is :meth:`document`; undo restores the previous one."""

    policy_name: ClassVar[str]
    effect: ClassVar[str]
    """What the policy does, in words for the plan."""
    target_types: ClassVar[tuple[TargetType, ...]] = ("iam-role", "iam-user")
    state_model: ClassVar[type[InlinePolicyState]] = InlinePolicyState

    @abstractmethod
    def document(self, snap: Snapshot) -> Document:
        """The policy to put (computed when the change is planned: a revocation cut-off is 'now')."""

    def in_effect(self, current: Document | None, snap: Snapshot) -> bool:
        """Whether the stored document already does the job (then apply changes nothing)."""
        return current == self.document(snap)

    def policies(self, target: Target) -> InlinePolicies:
        return InlinePolicies(self.client("iam", target), target)

    def _capture(self, target: Target, options: Any) -> BaseModel:
        return self.state_model(previous=self.policies(target).get(self.policy_name))

    def _apply_parts(self, snap: Snapshot) -> Iterable[Part]:
        return [lambda: self._put(snap)]

    def _undo_parts(self, snap: Snapshot) -> Iterable[Part]:
        return [lambda: self._restore(snap)]

    def _put(self, snap: Snapshot) -> list[Change]:
        policies, name, label = self.policies(snap.target), self.policy_name, snap.target.label
        current = policies.get(name)
        if self.in_effect(current, snap):
            return []
        doc = self.document(snap)
        verb = "replace" if current is not None else "add"
        return change(f"{verb} inline policy {name} on {label}: {self.effect}", lambda: policies.put(name, doc))

    def _restore(self, snap: Snapshot) -> list[Change]:
        previous = self.state_model.model_validate(snap.state).previous
        policies, name, label = self.policies(snap.target), self.policy_name, snap.target.label
        current = policies.get(name)
        if current == previous:
            return []
        if previous is None:
            return change(f"delete inline policy {name} from {label}", lambda: policies.delete(name))
        return change(f"put back the previous document of inline policy {name} on {label}",
                      lambda: policies.put(name, previous))
