"""The StateStore contract, run against every backend: what detectors may rely on in replay and in Lambda."""

from __future__ import annotations

from aidr.state import Member, StateStore

from tests.unit.state.conftest import Writers

TTL = 3600


# ---------------------------------------------------------------------------------------------- sets
def test_add_is_true_once_per_member(store: StateStore) -> None:
    assert store.add("k", "e1", 100.0, TTL) is True
    assert store.add("k", "e1", 100.0, TTL) is False
    assert store.members("k") == [Member("e1", 100.0, {})]


def test_member_id_alone_decides_a_duplicate(store: StateStore) -> None:
    """A re-delivered event keeps its first time and data, even when its ts or data differ."""
    assert store.add("k", "e1", 100.0, TTL, {"n": 1})
    assert store.add("k", "e1", 250.0, TTL, {"n": 2}) is False
    assert store.members("k") == [Member("e1", 100.0, {"n": 1})]


def test_members_in_time_order_then_member_order(store: StateStore) -> None:
    for member, ts in [("c", 30.0), ("a", 10.0), ("z", 20.0), ("b", 20.0), ("y", 10.5)]:
        store.add("k", member, ts, TTL)
    assert [(m.member, m.ts) for m in store.members("k")] == [
        ("a", 10.0), ("y", 10.5), ("b", 20.0), ("z", 20.0), ("c", 30.0)]


def test_members_bounds_are_inclusive(store: StateStore) -> None:
    for i in range(10):
        store.add("k", f"e{i}", float(i * 10), TTL)
    assert [m.member for m in store.members("k", since=20.0, until=50.0)] == ["e2", "e3", "e4", "e5"]
    assert [m.member for m in store.members("k", since=85.0)] == ["e9"]
    assert [m.member for m in store.members("k", until=0.0)] == ["e0"]
    assert store.members("k", since=91.0) == []


def test_sets_are_independent(store: StateStore) -> None:
    store.add("a", "x", 1.0, TTL)
    assert store.add("b", "x", 1.0, TTL) is True
    assert store.members("missing") == []
    store.put("a", {"v": 1}, 0)  # a value under a set's key is another thing
    assert [m.member for m in store.members("a")] == ["x"]


def test_member_data_round_trips(store: StateStore) -> None:
    data = {"region": "eu-west-1", "tokens": 1234, "ratio": 0.125, "flags": [True, None], "nested": {"a": "ü"}}
    store.add("k", "e1", 1_795_000_000.123456, TTL, data)
    (m,) = store.members("k")
    assert (m.ts, m.data) == (1_795_000_000.123456, data)


def test_odd_member_ids_and_times(store: StateStore) -> None:
    for member, ts in [("arn:aws:iam::111122223333:user/a#b", 1e-7), ("ümlaut key", 0.0), ("m#tricky", 3.5)]:
        assert store.add("k", member, ts, TTL)
    assert [(m.member, m.ts) for m in store.members("k")] == [
        ("ümlaut key", 0.0), ("arn:aws:iam::111122223333:user/a#b", 1e-7), ("m#tricky", 3.5)]


def test_window_count_sees_both_sides(store: StateStore) -> None:
    """Out-of-order arrival: a member later in time, added first, is in the earlier member's window."""
    store.window_count("w", "late", 1_000.0, 300)
    got = store.window_count("w", "early", 800.0, 300)
    assert [m.member for m in got] == ["early", "late"]
    assert [m.member for m in store.window_count("w", "far", 2_000.0, 300)] == ["far"]


def test_first_time(store: StateStore) -> None:
    assert store.first_time("processed:Fn", "event-1", 100.0) is True
    assert store.first_time("processed:Fn", "event-1", 100.0) is False
    assert store.first_time("processed:Other", "event-1", 100.0) is True


def test_duplicate_members_from_two_writers(writers: Writers) -> None:
    a, b = writers(), writers()
    assert a.add("k", "e1", 5.0, TTL, {"by": "a"}) is True
    assert b.add("k", "e1", 5.0, TTL, {"by": "b"}) is False
    assert b.members("k") == [Member("e1", 5.0, {"by": "a"})]


def test_discard_releases_a_member(store: StateStore) -> None:
    store.add("k", "e1", 1.0, TTL)
    assert store.discard("k", "e1") is True
    assert store.discard("k", "e1") is False
    assert store.members("k") == []
    assert store.add("k", "e1", 1.0, TTL) is True


# ---------------------------------------------------------------------------------------------- values
def test_value_versions(store: StateStore) -> None:
    assert store.get("v") == (None, 0)
    assert store.put("v", {"n": 1}, 0) is True
    assert store.get("v") == ({"n": 1}, 1)
    assert store.put("v", {"n": 2}, 1) is True
    assert store.get("v") == ({"n": 2}, 2)


def test_put_with_a_wrong_version_changes_nothing(store: StateStore) -> None:
    assert store.put("v", {"n": 1}, 3) is False  # absent is version 0
    assert store.get("v") == (None, 0)
    store.put("v", {"n": 1}, 0)
    assert store.put("v", {"n": 9}, 0) is False
    assert store.put("v", {"n": 9}, 2) is False
    assert store.get("v") == ({"n": 1}, 1)


def test_concurrent_writers_one_wins_the_other_retries(writers: Writers) -> None:
    a, b = writers(), writers()
    a.put("counter", {"n": 0}, 0)
    value_a, version_a = a.get("counter")
    value_b, version_b = b.get("counter")
    assert version_a == version_b == 1
    assert a.put("counter", {"n": value_a["n"] + 1}, version_a) is True
    assert b.put("counter", {"n": value_b["n"] + 1}, version_b) is False  # b read a stale version
    value_b, version_b = b.get("counter")  # b re-reads and retries, as detectors do
    assert b.put("counter", {"n": value_b["n"] + 1}, version_b) is True
    assert a.get("counter") == ({"n": 2}, 3)


def test_interleaved_increments_lose_nothing(writers: Writers) -> None:
    """Optimistic-lock loops of several writers, interleaved step by step, count every increment once."""
    ws = [writers() for _ in range(3)]
    ws[0].put("c", {"n": 0}, 0)
    pending = {i: 4 for i in range(len(ws))}
    while any(pending.values()):
        reads = {i: ws[i].get("c") for i, left in pending.items() if left}
        for i, (value, version) in reads.items():  # all read, then all try: at most one wins per round
            if ws[i].put("c", {"n": value["n"] + 1}, version):
                pending[i] -= 1
    assert ws[1].get("c") == ({"n": 12}, 13)


def test_get_returns_a_copy(store: StateStore) -> None:
    store.put("v", {"list": [1]}, 0)
    value, _ = store.get("v")
    value["list"].append(2)
    assert store.get("v") == ({"list": [1]}, 1)
