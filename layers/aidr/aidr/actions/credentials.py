"""Switch off an IAM user's long-term credentials: access keys and Bedrock API keys (service-specific credentials).

Credentials are deactivated, never deleted: a deleted key cannot come back and its id is evidence. Apply
deactivates every credential that is active *when it runs* (one the attacker created after the snapshot included);
undo puts each credential the snapshot knew and apply could touch back to its recorded status, and leaves later
ones inactive, since the prior state had no such credential. Pass ``credential_ids`` to act on the leaked
credentials only (undo then leaves the others as they are).
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterable
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from ..errors import ActionFailed
from .base import ORDER_PRINCIPAL, Action, ActionOptions, Change, Part, Snapshot, action
from .targets import Target, TargetType

ACTIVE, INACTIVE = "Active", "Inactive"
BEDROCK_SERVICE = "bedrock.amazonaws.com"


class CredentialOptions(ActionOptions):
    credential_ids: list[str] | None = None
    """Only these credentials (access key ids / service-specific credential ids); None: all of the user's."""


class CredentialState(BaseModel):
    model_config = ConfigDict(extra="forbid")

    statuses: dict[str, str]
    """Credential id -> ``Active`` | ``Inactive`` at snapshot time."""


class _CredentialStatusAction(Action):
    target_types: ClassVar[tuple[TargetType, ...]] = ("iam-user",)
    Options = CredentialOptions
    order = ORDER_PRINCIPAL
    kind: ClassVar[str]

    @abstractmethod
    def _list(self, iam: Any, user: str) -> dict[str, str]:
        """Credential id -> status, for every credential of ``user`` this action handles."""

    @abstractmethod
    def _set(self, iam: Any, user: str, credential_id: str, status: str) -> None: ...

    def _statuses(self, target: Target) -> dict[str, str]:
        return self._list(self.client("iam", target), target.name)

    def _capture(self, target: Target, options: CredentialOptions) -> CredentialState:
        statuses = self._statuses(target)
        missing = sorted(set(options.credential_ids or ()) - set(statuses))
        if missing:  # a named leaked credential that is not there must be loud, not "verified"
            raise ActionFailed(f"{self.id}: {self.kind} {', '.join(missing)} not found on {target.label}")
        return CredentialState(statuses=statuses)

    @classmethod
    def widen_options(cls, stored: dict[str, Any], applied: dict[str, Any]) -> dict[str, Any]:
        """Undo covers every credential any run switched off: the union of the scopes (None, all, absorbs)."""
        a, b = stored.get("credential_ids"), applied.get("credential_ids")
        return {**stored, "credential_ids": None if a is None or b is None else sorted({*a, *b})}

    def _in_scope(self, snap: Snapshot, credential_id: str) -> bool:
        only = self.options_of(snap).credential_ids
        return only is None or credential_id in only

    def _apply_parts(self, snap: Snapshot) -> Iterable[Part]:
        return [lambda: self._changes(snap, {
            cid: INACTIVE for cid, status in self._statuses(snap.target).items()
            if status == ACTIVE and self._in_scope(snap, cid)})]

    def _undo_parts(self, snap: Snapshot) -> Iterable[Part]:
        def restore() -> list[Change]:
            current = self._statuses(snap.target)
            prior = CredentialState.model_validate(snap.state).statuses
            # Deleted since the snapshot: nothing to restore. Created since: not in the prior state, left as is.
            # Out of scope: apply never touched it, so its status now is someone else's doing.
            return self._changes(snap, {cid: status for cid, status in prior.items()
                                        if cid in current and current[cid] != status and self._in_scope(snap, cid)})

        return [restore]

    def _changes(self, snap: Snapshot, wanted: dict[str, str]) -> list[Change]:
        iam, user = self.client("iam", snap.target), snap.target.name
        out: list[Change] = []
        for cid, status in sorted(wanted.items()):
            verb = "deactivate" if status == INACTIVE else "reactivate"
            out.append(Change(f"{verb} {self.kind} {cid} of {snap.target.label}",
                              lambda cid=cid, status=status: self._set(iam, user, cid, status)))
        return out


@action("deactivate-access-keys")
class DeactivateAccessKeys(_CredentialStatusAction):
    """Deactivate a user's access keys (``UpdateAccessKey Status=Inactive``; never deleted). Undo reactivates the keys
    that were active at snapshot time. Sessions already minted from a key (GetSessionToken) outlive it: also run
    ``revoke-user-sessions``."""

    title = "Deactivate the user's access keys"
    kind = "access key"
    permissions = ("iam:ListAccessKeys", "iam:UpdateAccessKey")

    def _list(self, iam: Any, user: str) -> dict[str, str]:
        pages = iam.get_paginator("list_access_keys").paginate(UserName=user)
        return {k["AccessKeyId"]: k["Status"] for page in pages for k in page["AccessKeyMetadata"]}

    def _set(self, iam: Any, user: str, credential_id: str, status: str) -> None:
        iam.update_access_key(UserName=user, AccessKeyId=credential_id, Status=status)


@action("deactivate-bedrock-api-keys")
class DeactivateBedrockApiKeys(_CredentialStatusAction):
    """Deactivate a user's long-term Bedrock API keys: service-specific credentials for ``bedrock.amazonaws.com``
    (``UpdateServiceSpecificCredential Status=Inactive``; never deleted). Undo reactivates those active at snapshot
    time. Short-term Bedrock API keys are presigned from a session: ``deny-bedrock`` cuts those."""

    title = "Deactivate the user's Bedrock API keys"
    kind = "Bedrock API key"
    permissions = ("iam:ListServiceSpecificCredentials", "iam:UpdateServiceSpecificCredential")

    def _list(self, iam: Any, user: str) -> dict[str, str]:
        out: dict[str, str] = {}
        kwargs: dict[str, Any] = {"UserName": user, "ServiceName": BEDROCK_SERVICE}
        while True:  # botocore has no paginator for this call
            page = iam.list_service_specific_credentials(**kwargs)
            for c in page.get("ServiceSpecificCredentials", []):
                out[c["ServiceSpecificCredentialId"]] = c["Status"]
            if not page.get("IsTruncated") or not page.get("Marker"):
                return out
            kwargs["Marker"] = page["Marker"]

    def _set(self, iam: Any, user: str, credential_id: str, status: str) -> None:
        iam.update_service_specific_credential(UserName=user, ServiceSpecificCredentialId=credential_id, Status=status)
