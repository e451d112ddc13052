"""The state interface every backend implements (after Powertools' idempotency persistence layer)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Member:
    """One member of a keyed set: an event in a window, a stage of a sequence, a value seen before."""

    member: str
    ts: float
    data: dict[str, Any] = field(default_factory=dict)


class StateStore(ABC):
    """Keyed sets of timestamped members, plus single versioned values.

    ``ts`` is event time in epoch seconds (not wall time): replaying last month's logs must open the
    same windows as live delivery did.
    """

    @abstractmethod
    def add(self, key: str, member: str, ts: float, ttl_seconds: int, data: dict[str, Any] | None = None) -> bool:
        """Add ``member`` to the set ``key``; False (and no change) when it was already there."""

    @abstractmethod
    def members(self, key: str, since: float | None = None, until: float | None = None) -> list[Member]:
        """Members of ``key`` whose ts is within [since, until], oldest first."""

    @abstractmethod
    def discard(self, key: str, member: str) -> bool:
        """Remove ``member`` from ``key``; False when it was not there (releases an idempotency claim)."""

    @abstractmethod
    def get(self, key: str) -> tuple[dict[str, Any] | None, int]:
        """The value stored at ``key`` and its version (0 when absent)."""

    @abstractmethod
    def put(self, key: str, value: dict[str, Any], expected_version: int, ttl_seconds: int | None = None) -> bool:
        """Store ``value`` if the current version is ``expected_version``; False when another writer won."""

    def window_count(self, key: str, member: str, ts: float, window_seconds: int, data: dict[str, Any] | None = None
                     ) -> list[Member]:
        """Add a member and return every member within ``window_seconds`` either side of ``ts``.

        Both sides, because events arrive out of order (CloudTrail files are not sorted).
        """
        self.add(key, member, ts, ttl_seconds=window_seconds * 2 + 3600, data=data)
        return self.members(key, since=ts - window_seconds, until=ts + window_seconds)

    def first_time(self, key: str, member: str, ts: float, ttl_seconds: int = 90 * 86400) -> bool:
        """True the first time ``member`` is seen under ``key`` (first-seen sets, idempotency claims)."""
        return self.add(key, member, ts, ttl_seconds)
