"""The last known value of a configuration, kept in state so that a change can be judged against what it replaced.

CloudTrail records what a Put/Update call *sets*, never what it replaced: "text delivery is now off" is only a
weakening if it was on before. Each configuration (Bedrock invocation logging per account and region, a trail's
event selectors, a GuardDuty detector...) is one versioned value under its own key. Writes are conditional
(:meth:`~aidr.state.base.StateStore.put` with the version read), so two concurrent invocations never lose an update:
the loser re-reads and recomputes.

Events arrive at least once and out of order, so :func:`observe` is idempotent:

- a re-delivered event gets the same answer it got the first time (recent event ids are kept with their answer);
- an event older than the stored value is judged without a previous value and does not overwrite state.

Examples
--------
>>> from aidr.state import MemoryState
>>> state = MemoryState()
>>> observe(state, "k", event_id="e1", ts=1.0, update=lambda prev: {"on": True}).previous is None
True
>>> observe(state, "k", event_id="e2", ts=2.0, update=lambda prev: {"on": False}).previous
{'on': True}
>>> observe(state, "k", event_id="e2", ts=2.0, update=lambda prev: {"on": False}).redelivered
True
>>> last_known(state, "k")
{'on': False}
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ...errors import AidrError
from ...state.base import StateStore

# Conditional-write attempts before giving up (then Lambda retries the whole event).
MAX_ATTEMPTS = 5
# Answers remembered for re-delivered events.
RECENT_EVENTS = 8

Update = Callable[[dict[str, Any] | None], dict[str, Any] | None]


class StateConflict(AidrError):
    """Other writers kept changing a last-known value; raised so the event is retried, never dropped."""


@dataclass(frozen=True)
class Observation:
    """What one configuration change did, as far as state can tell."""

    current: dict[str, Any] | None
    """The configuration after the event (None when the event deleted it)."""
    previous: dict[str, Any] | None
    """The last known configuration before the event; None when unknown (first sight, or a stale event)."""
    previously_deleted: bool = False
    """The previous configuration had been deleted (``previous`` is what it was before the deletion)."""
    stale: bool = False
    """The event is older than the stored value: it was judged on its own and did not change state."""
    redelivered: bool = False


def observe(state: StateStore, key: str, *, event_id: str, ts: float, update: Update, by: str | None = None
            ) -> Observation:
    """Apply one change event to the last known value at ``key`` and say what it replaced.

    Parameters
    ----------
    state
        The state store (conditional ``get``/``put``).
    key
        One configuration, e.g. ``bedrock-logging:111122223333:us-east-1``.
    event_id, ts
        The event's id (re-delivery detection) and time in epoch seconds (ordering).
    update
        Builds the new value from the previous one (``None`` when unknown); returns ``None`` for a deletion.
        Full replacements ignore their argument; partial updates (UpdateTrail, UpdateDetector) merge into it.
    by
        Who made the change (kept for the operator and the restore playbook).

    Raises
    ------
    StateConflict
        When every attempt lost a conditional write to another writer.
    """
    for _ in range(MAX_ATTEMPTS):
        stored, version = state.get(key)
        recent: list[dict[str, Any]] = list((stored or {}).get("recent") or [])
        if stored is not None:
            seen = next((r for r in recent if r.get("event_id") == event_id), None)
            if seen is not None:
                return Observation(current=seen.get("current"), previous=seen.get("previous"),
                                   previously_deleted=bool(seen.get("previously_deleted")), redelivered=True)
            if ts < float(stored.get("ts") or 0.0):
                return Observation(current=update(None), previous=None, stale=True)
        previous = stored.get("value") if stored else None
        previously_deleted = bool(stored and stored.get("deleted"))
        current = update(previous)
        answer = {"event_id": event_id, "current": current, "previous": previous,
                  "previously_deleted": previously_deleted}
        record = {
            # A deletion keeps the last configuration: it is what the restore playbook puts back.
            "value": current if current is not None else previous,
            "deleted": current is None,
            "event_id": event_id,
            "ts": ts,
            "by": by,
            "recent": [*recent[-(RECENT_EVENTS - 1):], answer],  # a list: DynamoDB maps keep no order
        }
        if state.put(key, record, version):
            return Observation(current=current, previous=previous, previously_deleted=previously_deleted)
    raise StateConflict(f"state key {key!r}: lost {MAX_ATTEMPTS} conditional writes in a row (event {event_id})")


def merge_settings(updates: dict[str, Any], **replaced: Any) -> Update:
    """An :data:`Update` for partial changes: ``updates`` merge into the stored ``settings``; each keyword that is
    not None replaces that part of the value whole.

    Examples
    --------
    >>> merge_settings({"b": 2})({"settings": {"a": 1}})
    {'settings': {'a': 1, 'b': 2}}
    """

    def apply(prev: dict[str, Any] | None) -> dict[str, Any]:
        out = dict(prev or {})
        out["settings"] = {**(out.get("settings") or {}), **updates}
        out.update({k: v for k, v in replaced.items() if v is not None})
        return out

    return apply


@dataclass(frozen=True)
class KnownValue:
    value: dict[str, Any]
    deleted: bool
    event_id: str | None
    ts: float
    by: str | None


def last_known(state: StateStore, key: str) -> dict[str, Any] | None:
    """The last configuration seen at ``key`` (kept after a deletion), or None."""
    known = last_known_record(state, key)
    return known.value if known else None


def last_known_record(state: StateStore, key: str) -> KnownValue | None:
    """The last configuration at ``key`` with whether it has since been deleted, by whom and when."""
    stored, _ = state.get(key)
    if not stored or not isinstance(stored.get("value"), dict):
        return None
    return KnownValue(value=stored["value"], deleted=bool(stored.get("deleted")), event_id=stored.get("event_id"),
                      ts=float(stored.get("ts") or 0.0), by=stored.get("by"))


def value_before(state: StateStore, key: str, event_ids: list[str]) -> dict[str, Any] | None:
    """The configuration that one of ``event_ids`` replaced at ``key`` (the latest such event wins), or None when
    state no longer remembers those events (only the last :data:`RECENT_EVENTS` answers are kept) or the event
    replaced nothing known. What ``restore-logging`` puts back after a weakening change; read-only.

    Examples
    --------
    >>> from aidr.state import MemoryState
    >>> state = MemoryState()
    >>> _ = observe(state, "k", event_id="e1", ts=1.0, update=lambda prev: {"on": True})
    >>> _ = observe(state, "k", event_id="e2", ts=2.0, update=lambda prev: {"on": False})
    >>> value_before(state, "k", ["e2"])
    {'on': True}
    >>> value_before(state, "k", ["e9"]) is None
    True
    """
    stored, _ = state.get(key)
    wanted = set(event_ids)
    for answer in reversed(list((stored or {}).get("recent") or [])):
        if answer.get("event_id") in wanted and isinstance(answer.get("previous"), dict):
            return dict(answer["previous"])
    return None
