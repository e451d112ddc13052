"""The last-known-value store: ordering, re-delivery, deletion and conditional-write conflicts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from aidr.detectors.audit.last_known import (
    MAX_ATTEMPTS,
    RECENT_EVENTS,
    StateConflict,
    last_known,
    last_known_record,
    merge_settings,
    observe,
)
from aidr.state import MemoryState


def put(value: dict[str, Any]) -> Callable[[dict[str, Any] | None], dict[str, Any]]:
    return lambda _prev: value


class RacingState(MemoryState):
    """Another writer lands between our read and our write, ``races`` times."""

    def __init__(self, races: int, theirs: dict[str, Any]) -> None:
        super().__init__()
        self.races = races
        self.theirs = theirs
        self.puts = 0

    def put(self, key: str, value: dict[str, Any], expected_version: int, ttl_seconds: int | None = None) -> bool:
        self.puts += 1
        if self.races:
            self.races -= 1
            _, version = self.get(key)
            super().put(key, {"value": self.theirs, "deleted": False, "event_id": f"other-{self.races}", "ts": 1.0,
                              "recent": []}, version)
        return super().put(key, value, expected_version, ttl_seconds)


def test_first_sight_has_no_previous_and_later_events_see_the_one_before() -> None:
    state = MemoryState()
    first = observe(state, "k", event_id="a", ts=10, update=put({"v": 1}))
    second = observe(state, "k", event_id="b", ts=20, update=put({"v": 2}))
    assert first.previous is None and first.current == {"v": 1}
    assert second.previous == {"v": 1} and second.current == {"v": 2}
    assert last_known(state, "k") == {"v": 2}


def test_redelivery_returns_the_first_answer_even_after_newer_events() -> None:
    state = MemoryState()
    observe(state, "k", event_id="a", ts=10, update=put({"v": 1}))
    observe(state, "k", event_id="b", ts=20, update=put({"v": 2}))
    observe(state, "k", event_id="c", ts=30, update=put({"v": 3}))
    again = observe(state, "k", event_id="b", ts=20, update=put({"v": 2}))
    assert again.redelivered and again.previous == {"v": 1} and again.current == {"v": 2}
    assert last_known(state, "k") == {"v": 3}  # re-delivery changed nothing


def test_only_recent_answers_are_kept() -> None:
    state = MemoryState()
    for i in range(RECENT_EVENTS + 2):
        observe(state, "k", event_id=f"e{i}", ts=i, update=put({"v": i}))
    stored, _ = state.get("k")
    assert len(stored["recent"]) == RECENT_EVENTS
    assert stored["recent"][-1]["event_id"] == f"e{RECENT_EVENTS + 1}"
    # The oldest has dropped out: it is now a stale event, judged without a previous value.
    assert observe(state, "k", event_id="e0", ts=0, update=put({"v": 0})).stale


def test_an_older_event_is_judged_alone_and_does_not_overwrite_newer_state() -> None:
    state = MemoryState()
    observe(state, "k", event_id="new", ts=100, update=put({"v": "new"}))
    late = observe(state, "k", event_id="old", ts=50, update=put({"v": "old"}))
    assert late.stale and late.previous is None and late.current == {"v": "old"}
    assert last_known(state, "k") == {"v": "new"}


def test_deletion_keeps_the_last_configuration_for_restore() -> None:
    state = MemoryState()
    observe(state, "k", event_id="a", ts=10, update=put({"v": 1}))
    gone = observe(state, "k", event_id="b", ts=20, update=lambda _prev: None)
    assert gone.current is None and gone.previous == {"v": 1}
    record = last_known_record(state, "k")
    assert record is not None and record.deleted and record.value == {"v": 1} and record.event_id == "b"
    back = observe(state, "k", event_id="c", ts=30, update=put({"v": 0}))
    assert back.previous == {"v": 1} and back.previously_deleted
    assert not last_known_record(state, "k").deleted  # type: ignore[union-attr]


def test_deleting_what_was_never_seen_stores_nothing_to_restore() -> None:
    state = MemoryState()
    observe(state, "k", event_id="a", ts=10, update=lambda _prev: None)
    assert last_known(state, "k") is None


def test_a_lost_conditional_write_is_recomputed_against_the_winner() -> None:
    state = RacingState(races=2, theirs={"v": "theirs"})
    seen: list[Any] = []

    def update(prev: dict[str, Any] | None) -> dict[str, Any]:
        seen.append(prev)
        return {"v": "mine"}

    obs = observe(state, "k", event_id="mine", ts=5, update=update)
    assert obs.previous == {"v": "theirs"}  # judged against the value that won, not the stale read
    assert seen == [None, {"v": "theirs"}, {"v": "theirs"}]
    assert last_known(state, "k") == {"v": "mine"}


def test_endless_conflicts_raise_so_the_event_is_retried() -> None:
    state = RacingState(races=MAX_ATTEMPTS, theirs={"v": "theirs"})
    with pytest.raises(StateConflict, match="lost 5 conditional writes"):
        observe(state, "k", event_id="mine", ts=5, update=put({"v": "mine"}))
    assert state.puts == MAX_ATTEMPTS


def test_merge_settings_merges_partial_updates_and_replaces_whole_parts() -> None:
    update = merge_settings({"b": 2}, selectors={"x": 1}, absent=None)
    assert update({"settings": {"a": 1, "b": 0}, "selectors": {"x": 0}}) == {
        "settings": {"a": 1, "b": 2}, "selectors": {"x": 1}}
    assert update(None) == {"settings": {"b": 2}, "selectors": {"x": 1}}
