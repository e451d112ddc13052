"""A long-term Bedrock API key switched back on (``UpdateServiceSpecificCredential Status=Active``) or reset.

aidr's containment never deletes a Bedrock API key: ``deactivate-bedrock-api-keys`` sets it ``Inactive``. Whoever can
call ``iam:UpdateServiceSpecificCredential`` can switch it on again, and ``iam:ResetServiceSpecificCredential`` mints
a new secret for it. Those records carry ``serviceSpecificCredentialId`` and ``userName`` but no ``serviceName``, so a
key is recognised as a Bedrock key by what aidr saw before:

- the id, remembered from a ``CreateServiceSpecificCredential`` for ``bedrock.amazonaws.com`` (this detector reads
  those records too, and the status changes of every key, in ``ctx.state`` under ``bedrock-api-key:<account>:<id>``);
- the user's name: the Bedrock console names the IAM user of a long-term key ``BedrockAPIKey-*``;
- aidr's own containment snapshot of the user (``snapshot:deactivate-bedrock-api-keys:<user ARN>``, kept by the
  playbooks in the same state table): it lists the user's Bedrock keys only;
- the service name, when a reset's response carries one (another service's name rules the key out).

Examples
--------
>>> containment_snapshot_key("111122223333", "BedrockAPIKey-7f3a")
'snapshot:deactivate-bedrock-api-keys:arn:aws:iam::111122223333:user/BedrockAPIKey-7f3a'
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from ...findings.model import Finding, Resource, raise_severity
from ...normalize.cloudtrail import ApiCall
from ...playbooks.snapshots import SnapshotStore
from ...state.base import Member
from ..bedrock._llmjacking import BEDROCK_API_KEY_USER_PREFIX, credential_kind, event_member, is_trusted, softened
from ..context import DetectContext, window_start
from ..patterns import api_calls
from ..registry import detector
from .bedrock_api_key_created import BEDROCK_SERVICE

CREATE = "CreateServiceSpecificCredential"
UPDATE = "UpdateServiceSpecificCredential"
RESET = "ResetServiceSpecificCredential"
ACTIVE = "Active"
# The containment action that switches the keys off (aidr.actions.credentials.DeactivateBedrockApiKeys).
CONTAINMENT_ACTION = "deactivate-bedrock-api-keys"
# How long a key's creation and status changes are remembered: keys may never expire.
KEY_MEMORY_SECONDS = 400 * 86400
WINDOW_SECONDS = 60 * 60  # changes to one key within an hour are one finding


def history_key(account: str | None, credential_id: str) -> str:
    return f"bedrock-api-key:{account or '-'}:{credential_id}"


def user_arn(account: str | None, user: str, partition: str = "aws") -> str:
    """The IAM user's ARN as aidr's containment names it (path ``/``: CloudTrail gives only the name)."""
    return f"arn:{partition}:iam::{account or ''}:user/{user}"


def containment_snapshot_key(account: str | None, user: str, partition: str = "aws") -> str:
    """Where the playbooks keep the snapshot of ``deactivate-bedrock-api-keys`` for the user."""
    return SnapshotStore.key(CONTAINMENT_ACTION, user_arn(account, user, partition))


def _partition(call: ApiCall) -> str:
    parts = (call.actor_arn or "").split(":")
    return parts[1] if len(parts) > 1 and parts[0] == "arn" and parts[1] else "aws"


def _credential(call: ApiCall) -> tuple[str | None, str | None, str | None]:
    """(credential id, IAM user name, service name when the record names one) of a service-specific credential call.

    ``userName`` may be omitted: the call then acts on the calling IAM user's own credential.
    """
    rp = call.request_parameters
    resp = call.response_elements.get("serviceSpecificCredential")
    resp = resp if isinstance(resp, dict) else {}

    def text(*values: Any) -> str | None:
        return next((v for v in values if isinstance(v, str) and v), None)

    own = call.user_name if call.identity_type == "IAMUser" else None
    return (text(rp.get("serviceSpecificCredentialId"), resp.get("serviceSpecificCredentialId")),
            text(rp.get("userName"), resp.get("userName"), own),
            text(rp.get("serviceName"), resp.get("serviceName")))


def containment(ctx: DetectContext, call: ApiCall, user: str, credential_id: str) -> dict[str, Any] | None:
    """aidr's containment of the key's user, from the playbooks' snapshot: ``in force`` (applied, not rolled back, the
    key in its scope) or ``rolled back``; None when aidr never contained the user's Bedrock keys."""
    key = containment_snapshot_key(call.account, user, _partition(call))
    stored, _ = ctx.state.get(key)
    if not stored or not isinstance(stored.get("snapshot"), dict):
        return None
    snap = stored["snapshot"]
    statuses = (snap.get("state") or {}).get("statuses") or {}
    only = (snap.get("options") or {}).get("credential_ids")
    in_scope = only is None or credential_id in only
    out = {"snapshot": key, "taken_at": snap.get("taken_at"), "status_at_snapshot": statuses.get(credential_id)}
    if stored.get("rolled_back"):
        return {**out, "state": "rolled back"}
    if stored.get("applied") and in_scope:
        return {**out, "state": "in force"}
    return None


def _previous(history: list[Member], ts: float) -> Member | None:
    """The last status change of the key before ``ts`` (creation counts as Active)."""
    before = [m for m in history if m.ts <= ts and m.data.get("status")]
    return before[-1] if before else None


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@detector(
    id="identity.bedrock_api_key_reactivated",
    title="Bedrock API key re-activated or reset",
    category="credential-misuse",
    severity="high",
    phase="foundational",
    techniques=["T1098.001", "T1078.004"],
    playbook="revoke-principal",
    function="DetectIdentityFunction",
    events=[api_calls("iam", [CREATE, UPDATE, RESET])],
    description=(
        "iam:UpdateServiceSpecificCredential with Status=Active on a long-term Bedrock API key switches a deactivated "
        "key back on (critical when it undoes aidr's own containment of the key's user); "
        "iam:ResetServiceSpecificCredential mints a new secret for one. Keys are recognised by the id remembered "
        "from their creation for bedrock.amazonaws.com, the console's BedrockAPIKey-* user name, or aidr's "
        "containment snapshot of the user. Failed calls are ignored."
    ),
    false_positives=[
        "An owner switching a key back on after a rotation or an investigation closed without aidr's rollback.",
        "Key-rotation automation resetting keys (trust its role: one step lower).",
        "aidr's own rollback re-activating a key it had switched off: reported low.",
    ],
    references=[
        "https://docs.aws.amazon.com/IAM/latest/APIReference/API_UpdateServiceSpecificCredential.html",
        "https://docs.aws.amazon.com/IAM/latest/APIReference/API_ResetServiceSpecificCredential.html",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_bedrock.html",
    ],
)
def detect(event: dict[str, Any], ctx: DetectContext) -> Iterator[Finding]:
    """Report a Bedrock API key set to ``Active`` or reset; remember creations and status changes of keys.

    Re-activation is high, critical while aidr's containment of the key's user is in force, medium when the key was
    last seen active (no deactivation to undo), low when aidr's rollback restored that key. A reset is medium, high
    when the key is switched off (by aidr or anyone). Trusted callers: one step lower. The secret in a reset's or
    creation's response is never read.

    Parameters
    ----------
    event : dict
        EventBridge envelope of one CloudTrail record (the record is ``event["detail"]``).
    ctx : DetectContext
        Config and state (key history, aidr's containment snapshots).

    Yields
    ------
    Finding
        One per key and hour, naming who switched it on or reset it and its previous status.

    Known false positives
    ---------------------
    - Owners re-enabling a key after rotation or a closed investigation.
    - Rotation automation resetting keys (trust its role).
    """
    call = ApiCall(event["detail"])
    if call.error_code:
        return
    credential_id, user, service = _credential(call)
    if not credential_id or (service and service != BEDROCK_SERVICE):
        return
    status = ACTIVE if call.event_name == CREATE else call.request_parameters.get("status")
    ts = ctx.when(call.time).timestamp()
    key = history_key(call.account, credential_id)
    history = ctx.state.members(key)
    added = ctx.state.add(key, event_member(call, ts), ts, KEY_MEMORY_SECONDS, data={
        "event_id": call.event_id, "name": call.event_name, "status": status if isinstance(status, str) else None,
        "by": call.actor_arn, "user": user, "service": service})
    reactivated = call.event_name == UPDATE and status == ACTIVE
    if not added or not (reactivated or call.event_name == RESET):
        return  # a re-delivered record, a creation or a deactivation: remembered only

    recognised = []
    if service == BEDROCK_SERVICE:
        recognised.append("service name in the record")
    if any(m.data.get("service") == BEDROCK_SERVICE for m in history):
        recognised.append("created for bedrock.amazonaws.com")
    if user and user.startswith(BEDROCK_API_KEY_USER_PREFIX):
        recognised.append(f"user name {BEDROCK_API_KEY_USER_PREFIX}*")
    contained = containment(ctx, call, user, credential_id) if user else None
    if contained:
        recognised.append("aidr containment snapshot of the user")
    if not recognised:
        return  # a CodeCommit, Keyspaces or other service's credential, as far as aidr can tell

    meta = detect.meta  # type: ignore[attr-defined]
    previous = _previous(history, ts)
    prev_status = previous.data.get("status") if previous else None
    switched_off = prev_status not in (None, ACTIVE)
    if reactivated:
        what = "re-activated"
        if contained and contained["state"] == "in force":
            severity, why = "critical", "undoing aidr's containment of the key's user"
        elif contained and contained["status_at_snapshot"] == ACTIVE:
            severity, why = "low", "aidr's rollback restores this key"
        elif prev_status == ACTIVE:
            severity, why = "medium", "the key was last seen active"
        else:
            severity, why = meta.severity, "switched off before" if switched_off else "previous status unknown"
    else:
        what = "reset"
        in_force = bool(contained and contained["state"] == "in force")
        severity = raise_severity("medium") if in_force or switched_off else "medium"
        why = ("a new secret for a key that is switched off" if in_force or switched_off
               else "a new secret; the old one stops working")
    trusted = is_trusted(ctx, call)
    arn = user_arn(call.account, user, _partition(call)) if user else None
    window = window_start(datetime.fromtimestamp(ts, UTC), WINDOW_SECONDS)
    yield ctx.finding(
        meta,
        key=f"{call.account}:{credential_id}:{window}",
        description=(
            f"{call.actor_arn or call.actor_key} {what} Bedrock API key {credential_id} of IAM user {user or 'unknown'}"
            f" ({why}" + (f"; last {prev_status} by {previous.data.get('by') or 'unknown'} at {_iso(previous.ts)}"
                          if previous else "") + ")."
        ),
        event_ids=[call.event_id],
        first_seen=call.time,
        account=call.account,
        region=call.region,
        principal=call.principal(),
        resources=[*([Resource(type="AWS::IAM::User", id=arn)] if arn else []),
                   Resource(type="AWS::IAM::ServiceSpecificCredential", id=credential_id)],
        evidence={
            "credential_id": credential_id,
            "key_user": user,
            "change": "activated" if reactivated else "reset",
            "recognised_by": recognised,
            "previous_status": prev_status,
            "previous_change": ({"event": previous.data.get("name"), "by": previous.data.get("by"),
                                 "at": _iso(previous.ts)} if previous else None),
            "aidr_containment": contained,
            "caller_credential": credential_kind(call),
            "source_ip": call.source_ip,
            "user_agent": call.user_agent[:120] or None,
            "trusted_principal": trusted,
        },
        severity=softened(severity, trusted),
    )
