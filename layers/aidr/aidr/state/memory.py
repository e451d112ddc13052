"""In-memory state for replay, the demo and tests."""

from __future__ import annotations

import bisect
from typing import Any

import orjson

from .base import Member, StateStore


class MemoryState(StateStore):
    def __init__(self) -> None:
        # member -> (ts, data) until first read, then its Member: most members (idempotency claims, first-seen
        # values) are written and never read, and building a frozen dataclass costs more than the rest of add().
        self._sets: dict[str, dict[str, tuple[float, dict[str, Any]] | Member]] = {}
        self._sorted: dict[str, list[tuple[float, str]]] = {}
        # Values are kept serialised, exactly as the DynamoDB store writes them (orjson), so replay sees what
        # Lambda sees (tuples come back as lists, datetimes as strings) and a get never aliases a put.
        self._values: dict[str, tuple[bytes, int]] = {}

    def add(self, key: str, member: str, ts: float, ttl_seconds: int, data: dict[str, Any] | None = None) -> bool:
        s = self._sets.setdefault(key, {})
        if member in s:
            return False
        s[member] = (ts, dict(data) if data else {})
        bisect.insort(self._sorted.setdefault(key, []), (ts, member))
        return True

    def members(self, key: str, since: float | None = None, until: float | None = None) -> list[Member]:
        order = self._sorted.get(key)
        if not order:
            return []
        lo = 0 if since is None else bisect.bisect_left(order, (since, ""))
        hi = len(order) if until is None else bisect.bisect_right(order, (until, "\U0010ffff"))
        s = self._sets[key]
        out = []
        for ts, m in order[lo:hi]:
            v = s[m]
            if isinstance(v, tuple):
                v = s[m] = Member(m, ts, v[1])
            out.append(v)
        return out

    def discard(self, key: str, member: str) -> bool:
        s = self._sets.get(key)
        if not s or member not in s:
            return False
        v = s.pop(member)
        self._sorted[key].remove((v[0] if isinstance(v, tuple) else v.ts, member))
        return True

    def get(self, key: str) -> tuple[dict[str, Any] | None, int]:
        raw, version = self._values.get(key, (None, 0))
        return (orjson.loads(raw) if raw is not None else None), version

    def put(self, key: str, value: dict[str, Any], expected_version: int, ttl_seconds: int | None = None) -> bool:
        _, version = self._values.get(key, (None, 0))
        if version != expected_version:
            return False
        self._values[key] = (orjson.dumps(value), version + 1)
        return True
