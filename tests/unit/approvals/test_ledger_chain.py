"""verify_records: the chain's checks, on records in memory."""

from __future__ import annotations

from typing import Any

from aidr.ledger import GENESIS, canonical_json, record_hash, verify_records


def chain(n: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    prev = GENESIS
    for seq in range(1, n + 1):
        r = {"chain": "aidr", "seq": seq, "at": f"2026-05-01T10:00:0{seq}.000Z", "kind": "action.applied",
             "subject": f"s{seq}", "detail": canonical_json({"n": seq, "ü": "x"}), "prev": prev}
        r["hash"] = prev = record_hash(r)
        out.append(r)
    return out


def test_intact_chain() -> None:
    assert verify_records(chain(5)) == (True, [])
    assert verify_records([]) == (True, [])


def test_modified_deleted_reordered_and_truncated_records() -> None:
    records = chain(4)
    modified = [*records[:1], {**records[1], "kind": "approval.decided"}, *records[2:]]
    assert verify_records(modified)[1] == ["seq 2: hash does not match its content (record modified)"]
    deleted = [records[0], *records[2:]]
    assert verify_records(deleted)[1][0] == "seq 3: expected seq 2 (records missing or reordered)"
    reordered = [records[0], records[2], records[1], records[3]]
    ok, problems = verify_records(reordered)
    assert not ok and len(problems) >= 3
    missing_field = [{k: v for k, v in records[0].items() if k != "prev"}]
    assert not verify_records(missing_field)[0]


def test_canonical_json_is_key_order_independent() -> None:
    assert canonical_json({"b": 1, "a": [1, {"d": 2, "c": 3}]}) == '{"a":[1,{"c":3,"d":2}],"b":1}'
