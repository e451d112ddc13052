"""Where a playbook keeps its snapshots, so a later run (the ``rollback`` playbook) can undo exactly.

Stored in the state store (DynamoDB ``StateTable`` in AWS, memory in the embedded runtime), one value per action
and target, written only if absent: a re-run of a playbook, or the playbook of another finding about the same
principal or bucket, keeps the FIRST snapshot (a snapshot taken after apply would record the contained state as the
prior one, and undo would then restore containment). A set per finding indexes the snapshots its run used, for the
rollback. Once rolled back, a snapshot is spent: the next containment of that target takes a fresh one.

Examples
--------
>>> from aidr.state import MemoryState
>>> store = SnapshotStore(MemoryState())
>>> store.key("deny-bedrock", "arn:aws:iam::111122223333:role/app")
'snapshot:deny-bedrock:arn:aws:iam::111122223333:role/app'
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import ActionFailed
from ..state.base import StateStore

# Kept for a year: a rollback may come long after the containment (an investigation can take weeks).
SNAPSHOT_TTL_SECONDS = 366 * 86400


class SnapshotStore:
    """First-write-wins snapshots per finding, indexed for the rollback."""

    def __init__(self, state: StateStore) -> None:
        self.state = state

    @staticmethod
    def key(action: str, target_label: str) -> str:
        return f"snapshot:{action}:{target_label}"

    def keep_first(self, finding_id: str, key: str, snapshot: dict[str, Any], ts: float) -> dict[str, Any]:
        """Store ``snapshot`` unless a live one is stored under ``key``; returns the stored (first) one."""
        kept = snapshot
        for _ in range(5):
            stored, version = self.state.get(key)
            if stored and not stored.get("rolled_back"):
                kept = dict(stored["snapshot"])
                break
            if self.state.put(key, {"snapshot": snapshot, "applied": False}, version, ttl_seconds=SNAPSHOT_TTL_SECONDS):
                break
        else:
            raise ActionFailed(f"snapshot {key!r}: could not store it (concurrent writers)")
        # Indexed on every call (a no-op once there): a run that died between the two writes is completed by its retry.
        self.state.add(f"snapshots:{finding_id}", key, ts, SNAPSHOT_TTL_SECONDS, {"action": snapshot.get("action")})
        return kept

    def mark_applied(self, key: str, widen: Callable[[dict[str, Any]], dict[str, Any]] | None = None) -> None:
        """Record that the action of ``key`` was applied: the rollback undoes only what was applied (undoing an action
        that never ran would revert whatever legitimately changed since its snapshot). ``widen`` maps the stored
        options to those the undo must cover once this run applied too."""
        self._mark(key, widen, applied=True)

    def mark_rolled_back(self, key: str) -> None:
        """The target is back to the snapshot: the snapshot is spent."""
        self._mark(key, None, applied=False, rolled_back=True)

    def applied(self, key: str) -> bool:
        """Applied and not rolled back since."""
        stored, _ = self.state.get(key)
        return bool(stored and stored.get("applied") and not stored.get("rolled_back"))

    def _mark(self, key: str, widen: Callable[[dict[str, Any]], dict[str, Any]] | None, **flags: bool) -> None:
        for _ in range(5):
            stored, version = self.state.get(key)
            if not stored:
                raise ActionFailed(f"no snapshot stored under {key!r}")
            new = {**stored, **flags}
            if widen is not None and isinstance(stored.get("snapshot"), dict):
                snap = stored["snapshot"]
                new["snapshot"] = {**snap, "options": widen(dict(snap.get("options") or {}))}
            if new == stored or self.state.put(key, new, version, ttl_seconds=SNAPSHOT_TTL_SECONDS):
                return
        raise ActionFailed(f"snapshot {key!r}: could not update it (concurrent writers)")

    def get(self, key: str) -> dict[str, Any]:
        stored, _ = self.state.get(key)
        if not stored or not isinstance(stored.get("snapshot"), dict):
            raise ActionFailed(f"no snapshot stored under {key!r}")
        return dict(stored["snapshot"])

    def keys(self, finding_id: str) -> list[str]:
        """The snapshot keys of a finding's containment, oldest first."""
        return [m.member for m in self.state.members(f"snapshots:{finding_id}")]
