"""The audit ledger in DynamoDB: appends chain, concurrent appends never fork, tampering is found."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from aidr.ledger import GENESIS, Ledger

from tests.integration.approvals.conftest import LEDGER_TABLE, Env


@pytest.fixture
def ledger(env: Env) -> Ledger:
    led = Ledger(LEDGER_TABLE, env.client("dynamodb"))
    for i, kind in enumerate(["approval.requested", "approval.decided", "action.applied", "action.verified"]):
        led.append(kind, f"subject-{i}", {"n": i, "by": "arn:aws:sts::111122223333:assumed-role/OnCall/alice"})
    return led


def _put(env: Env, record: dict[str, Any]) -> None:
    """Write a record as someone with more rights than the functions would (they cannot update or delete)."""
    item = {k: {"S": str(v)} for k, v in record.items() if k != "seq"}
    item["seq"] = {"N": str(record["seq"])}
    env.client("dynamodb").put_item(TableName=LEDGER_TABLE, Item=item)


def _delete(env: Env, seq: int) -> None:
    env.client("dynamodb").delete_item(TableName=LEDGER_TABLE, Key={"chain": {"S": "aidr"}, "seq": {"N": str(seq)}})


def test_appends_chain_from_genesis(ledger: Ledger) -> None:
    records = list(ledger.records())
    assert [r["seq"] for r in records] == [1, 2, 3, 4]
    assert records[0]["prev"] == GENESIS
    assert all(b["prev"] == a["hash"] for a, b in itertools.pairwise(records))
    assert ledger.verify() == (True, [])


def test_a_modified_record_is_found(env: Env, ledger: Ledger) -> None:
    second = list(ledger.records())[1]
    _put(env, {**second, "detail": second["detail"].replace('"n":1', '"n":9')})
    ok, problems = ledger.verify()
    assert not ok and problems == ["seq 2: hash does not match its content (record modified)"]


def test_a_modified_record_with_a_recomputed_hash_breaks_the_next_link(env: Env, ledger: Ledger) -> None:
    from aidr.ledger import record_hash

    second = list(ledger.records())[1]
    forged = {**second, "subject": "someone-else"}
    forged["hash"] = record_hash(forged)
    _put(env, forged)
    ok, problems = ledger.verify()
    assert not ok and problems == ["seq 3: does not chain to the record before it (a record removed, reordered or "
                                   "modified)"]


def test_a_deleted_record_is_found(env: Env, ledger: Ledger) -> None:
    _delete(env, 2)
    ok, problems = ledger.verify()
    assert not ok
    assert problems[0] == "seq 3: expected seq 2 (records missing or reordered)"
    assert any("does not chain" in p for p in problems)


def test_reordered_records_are_found(env: Env, ledger: Ledger) -> None:
    a, b = list(ledger.records())[1:3]
    _put(env, {**b, "seq": a["seq"]})
    _put(env, {**a, "seq": b["seq"]})
    ok, problems = ledger.verify()
    assert not ok and len(problems) >= 2


def test_a_concurrent_append_never_forks_the_chain(env: Env, ledger: Ledger) -> None:
    """Another writer appends between this writer's read of the head and its put: the put loses, re-reads, chains."""
    other = Ledger(LEDGER_TABLE, env.client("dynamodb"))
    real_head = ledger.head
    raced = []

    def head_then_race() -> dict[str, Any] | None:
        head = real_head()
        if not raced:
            raced.append(other.append("action.applied", "racer", {"by": "the other writer"}))
        return head

    ledger.head = head_then_race  # type: ignore[method-assign]
    mine = ledger.append("action.undone", "mine", {"by": "this writer"})
    assert mine["seq"] == raced[0]["seq"] + 1 and mine["prev"] == raced[0]["hash"]
    assert ledger.verify() == (True, [])


def test_writers_that_keep_losing_back_off_then_give_up_loudly(env: Env, ledger: Ledger) -> None:
    """Several playbook runs append at once: a writer that loses the race waits a growing, jittered moment before
    chaining after the winner; after MAX_APPEND_ATTEMPTS lost races it raises (nothing is silently dropped)."""
    from aidr.ledger import APPEND_BACKOFF_MAX_SECONDS, MAX_APPEND_ATTEMPTS, LedgerError

    other = Ledger(LEDGER_TABLE, env.client("dynamodb"))
    waits: list[float] = []
    losing = Ledger(LEDGER_TABLE, env.client("dynamodb"), sleep=waits.append)
    real_head = losing.head
    races = {"left": 5}

    def head_then_race() -> dict[str, Any] | None:
        head = real_head()
        if races["left"]:
            races["left"] -= 1
            other.append("action.applied", "racer", {"by": "the other writer"})
        return head

    losing.head = head_then_race  # type: ignore[method-assign]
    mine = losing.append("action.undone", "mine", {"by": "this writer"})
    assert len(waits) == 5 and all(0 <= w <= APPEND_BACKOFF_MAX_SECONDS for w in waits)
    assert mine["seq"] == 4 + 5 + 1 and losing.verify() == (True, [])

    races["left"] = MAX_APPEND_ATTEMPTS
    with pytest.raises(LedgerError, match=f"after {MAX_APPEND_ATTEMPTS} attempts"):
        losing.append("action.undone", "mine again", {"by": "this writer"})
