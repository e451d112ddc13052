"""Route envelopes to targets by EventBridge rules, indexed so most events are rejected in one dict lookup.

A real account's CloudTrail is mostly traffic no rule wants; the index on ``source`` (and, where every
rule of that source names them literally, ``detail.eventName`` values) skips the matcher for those events.
The index only ever narrows to routes that *could* match: a route the plain matcher accepts is never dropped.
"""

from __future__ import annotations

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


_DETAIL_ONLY = frozenset({"detail-type", "detail"})


def _literal_strings(spec: Any) -> list[str] | None:
    if isinstance(spec, list) and spec and all(isinstance(x, str) for x in spec):
        return spec
    return None


def _event_names(pattern: dict[str, Any]) -> list[str] | None:
    detail = pattern.get("detail")
    return _literal_strings(detail.get("eventName")) if isinstance(detail, dict) else None


class Router:
    """Index of routes. ``targets(event)`` returns the targets whose rules match, in rule order."""

    def __init__(self, routes: list[Route]) -> None:
        self.routes = list(routes)
        keyed: dict[str, set[int]] = {}
        any_ids: set[int] = set()
        for i, r in enumerate(self.routes):
            sources = _literal_strings(r.pattern.get("source"))
            if sources is None:
                any_ids.add(i)
            for s in sources or ():
                keyed.setdefault(s, set()).add(i)
        self._any_source = [self.routes[i] for i in sorted(any_ids)]
        # Source-less rules that look only at detail-type and detail can be tried on a raw record before any
        # envelope is built (CloudTrail's raw record *is* the detail); the others stay candidates always.
        self._prechecked = {id(r) for r in self._any_source if set(r.pattern) <= _DETAIL_ONLY}
        # Per source: its routes plus the source-less ones, in rule order, each once.
        self._by_source: dict[str, list[Route]] = {
            s: [self.routes[i] for i in sorted(ids | any_ids)] for s, ids in keyed.items()
        }
        # eventName prefilter per source: only when every rule of that source pins eventName literally.
        self._names: dict[str, frozenset[str] | None] = {}
        for s, ids in keyed.items():
            names: set[str] = set()
            for i in ids:
                lit = _event_names(self.routes[i].pattern)
                if lit is None:
                    names = set()
                    break
                names.update(lit)
            self._names[s] = frozenset(names) if names else None

    def candidates(self, source: Any, event_name: Any = None) -> list[Route]:
        """Routes that could match an event of this source/eventName (cheap pre-check on raw records).

        ``source`` and ``event_name`` are the event's values; anything but a plain string (an array, which
        EventBridge matches element-wise, or a number) cannot be looked up, so every route stays a candidate.
        """
        if not isinstance(source, str):
            return self.routes
        rs = self._by_source.get(source)
        if rs is None:
            return self._any_source
        names = self._names.get(source)
        if names is not None and isinstance(event_name, str) and event_name not in names:
            return self._any_source
        return rs

    def candidates_for_detail(self, source: str, event_name: Any, detail_type: str,
                              detail: dict[str, Any]) -> list[Route]:
        """Like :meth:`candidates`, for a raw record that will become ``detail`` under this source/detail-type.

        Source-less rules are narrowed too, by running them on ``{"detail-type", "detail"}`` alone, which is
        exact for rules that name no other field of the envelope.
        """
        rs = self.candidates(source, event_name)
        prechecked = self._prechecked
        if not prechecked:
            return rs
        view = {"detail-type": detail_type, "detail": detail}
        return [r for r in rs if id(r) not in prechecked or r.matcher(view)]

    def match(self, event: dict[str, Any]) -> list[Route]:
        detail = event.get("detail")
        name = detail.get("eventName") if isinstance(detail, dict) else None
        return [r for r in self.candidates(event.get("source", ""), name) if r.matcher(event)]

    def targets(self, event: dict[str, Any]) -> list[str]:
        return list(dict.fromkeys(r.target for r in self.match(event)))
