"""Route envelopes to targets by EventBridge rules, indexed so most events are rejected in one dict lookup.

A real account's CloudTrail is mostly traffic no rule wants; the index on ``source`` (and, where every
alternative of a rule names them, ``detail.eventName`` values) skips the matcher for those events.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from .pattern import EventMatcher, compile_pattern


@dataclass(frozen=True)
class Route:
    """One rule: its name, pattern and the target (a function logical id)."""

    rule: str
    target: str
    pattern: dict[str, Any]
    bus: str = "default"
    matcher: EventMatcher = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "matcher", compile_pattern(self.pattern))


def _literal_strings(spec: Any) -> list[str] | None:
    if isinstance(spec, list) and spec and all(isinstance(x, str) for x in spec):
        return spec
    return None


class Router:
    """Index of routes. ``targets(event)`` returns the targets whose rules match, in rule order."""

    def __init__(self, routes: list[Route]) -> None:
        self.routes = list(routes)
        self._by_source: dict[str, list[Route]] = defaultdict(list)
        self._any_source: list[Route] = []
        for r in self.routes:
            sources = _literal_strings(r.pattern.get("source"))
            if sources is None:
                self._any_source.append(r)
            else:
                for s in sources:
                    self._by_source[s].append(r)
        # eventName prefilter per source: only when every rule of that source pins eventName literally.
        self._names: dict[str, frozenset[str] | None] = {}
        for src, rs in self._by_source.items():
            names: set[str] = set()
            for r in rs:
                lit = _literal_strings(r.pattern.get("detail", {}).get("eventName")) if isinstance(
                    r.pattern.get("detail"), dict
                ) else None
                if lit is None:
                    names = set()
                    break
                names.update(lit)
            self._names[src] = frozenset(names) if names else None

    def candidates(self, source: str, event_name: str | None = None) -> list[Route]:
        """Routes that could match an event of this source/eventName (cheap pre-check on raw records)."""
        rs = self._by_source.get(source)
        if not rs:
            return self._any_source
        names = self._names.get(source)
        if names is not None and event_name is not None and event_name not in names:
            return self._any_source
        return rs + self._any_source if self._any_source else rs

    def match(self, event: dict[str, Any]) -> list[Route]:
        detail = event.get("detail")
        name = detail.get("eventName") if isinstance(detail, dict) else None
        return [r for r in self.candidates(event.get("source", ""), name) if r.matcher(event)]

    def targets(self, event: dict[str, Any]) -> list[str]:
        return list(dict.fromkeys(r.target for r in self.match(event)))
