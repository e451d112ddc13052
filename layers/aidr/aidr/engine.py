"""Run the detectors a function owns over one envelope. Used by Lambda handlers, replay and tests.

Two things happen before any detector runs:

- the detectors that could match are looked up in an index keyed by the envelope's ``source``, ``detail-type``
  and ``detail.eventName`` (:class:`DetectorIndex`), so an event pays only for the detectors that name it;
- a CloudTrail API call updates the AI inventory (:func:`aidr.inventory.learn_from`), so every detector sees
  the roles, buckets and Lambdas learned from this event and the ones before it, and a Bedrock runtime call
  leaves its caller (IP, user agent, key) under its request id for the invocation-log findings
  (:mod:`aidr.detectors.bedrock.request_index`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from aws_lambda_powertools import Logger

from .config import AidrConfig
from .detectors.bedrock.request_index import remember as remember_request
from .detectors.context import DetectContext
from .detectors.registry import Detector, detectors_for
from .findings.model import Finding
from .inventory import learn_from
from .normalize.cloudtrail import ApiCall
from .normalize.envelope import CLOUDTRAIL_API_CALL
from .normalize.timeutil import parse_time
from .state.base import StateStore

logger = Logger(child=True)

_ANY = None  # index wildcard: the pattern does not pin this field to literal strings
Key = tuple[str | None, str | None, str | None]  # (source, detail-type, eventName)


def _literals(spec: Any) -> list[str] | None:
    """The values of a pattern field when it lists plain strings only; None when it matches otherwise."""
    if isinstance(spec, list) and spec and all(isinstance(x, str) for x in spec):
        return spec
    return None


def _decided_by_key(pattern: dict[str, Any]) -> bool:
    """True when the index key alone decides the pattern: it tests nothing but literal source, detail-type and
    detail.eventName values."""
    detail = pattern.get("detail")
    names_only = detail is None or (
        isinstance(detail, dict) and detail.keys() == {"eventName"} and _literals(detail["eventName"]) is not None)
    return (
        names_only
        and pattern.keys() <= {"source", "detail-type", "detail"}
        and all(_literals(pattern[k]) is not None for k in pattern.keys() & {"source", "detail-type"})
    )


def _pattern_keys(pattern: dict[str, Any]) -> list[Key]:
    """Index keys under which a pattern can match: the cross product of its literal fields, wildcards elsewhere."""
    detail = pattern.get("detail")
    names = _literals(detail.get("eventName")) if isinstance(detail, dict) else None
    return [
        (s, t, n)
        for s in _literals(pattern.get("source")) or [_ANY]
        for t in _literals(pattern.get("detail-type")) or [_ANY]
        for n in names or [_ANY]
    ]


class DetectorIndex:
    """Detectors indexed by (source, detail-type, eventName); lookups are memoised per key.

    The index only narrows: a detector whose patterns could match an event is always a candidate, and
    :meth:`Detector.wants` still decides, unless every pattern of the detector tests only the indexed fields
    with literals (then being a candidate under a string key is the match). Candidates keep the order of the
    detectors given, each with whether ``wants`` must still be asked.

    Examples
    --------
    >>> from aidr.detectors.registry import detectors_for
    >>> index = DetectorIndex(detectors_for("DetectBedrockFunction"))
    >>> index.candidates({"source": "aws.s3", "detail-type": "AWS API Call via CloudTrail", "detail": {}})
    []
    """

    def __init__(self, detectors: Iterable[Detector]) -> None:
        self.detectors = list(detectors)
        self._keyed: dict[Key, set[int]] = {}
        for i, d in enumerate(self.detectors):
            for p in d.meta.events:
                for k in _pattern_keys(p):
                    self._keyed.setdefault(k, set()).add(i)
        self._decided = [bool(d.meta.events) and all(_decided_by_key(p) for p in d.meta.events)
                         for d in self.detectors]
        self._all = [(d, True) for d in self.detectors]
        self._memo: dict[tuple[Any, Any, Any], list[tuple[Detector, bool]]] = {}

    def candidates(self, event: dict[str, Any]) -> list[tuple[Detector, bool]]:
        """The detectors that may match ``event``, each with whether :meth:`Detector.wants` must still decide."""
        detail = event.get("detail")
        name = detail.get("eventName") if isinstance(detail, dict) else None
        key = (event.get("source"), event.get("detail-type"), name)
        if not all(v is None or isinstance(v, str) for v in key):
            return self._all  # arrays or numbers are matched element-wise by EventBridge: no lookup
        found = self._memo.get(key)
        if found is None:
            s, t, n = key
            ids: set[int] = set()
            for ks in {s, _ANY}:
                for kt in {t, _ANY}:
                    for kn in {n, _ANY}:
                        ids |= self._keyed.get((ks, kt, kn), set())
            found = self._memo[key] = [(self.detectors[i], not self._decided[i]) for i in sorted(ids)]
        return found


class Engine:
    """Detectors of one function (or all), sharing config, state and counters.

    Examples
    --------
    >>> from aidr.state import MemoryState
    >>> engine = Engine(AidrConfig(), MemoryState(), function="DetectBedrockFunction")
    >>> engine.process({"source": "aws.s3", "detail-type": "x", "detail": {}})
    []
    """

    def __init__(
        self,
        config: AidrConfig,
        state: StateStore,
        function: str | None = None,
        detectors: Iterable[Detector] | None = None,
    ) -> None:
        self.detectors = list(detectors) if detectors is not None else detectors_for(function)
        self.index = DetectorIndex(self.detectors)
        self.ctx = DetectContext(config=config, state=state)

    @property
    def counters(self) -> Counter[str]:
        return self.ctx.counters

    def process(self, event: dict[str, Any]) -> list[Finding]:
        t = parse_time(event.get("time"))
        if t is not None:
            self.ctx.fallback_time = t
        detail = event.get("detail")
        if event.get("detail-type") == CLOUDTRAIL_API_CALL and isinstance(detail, dict):
            # Learn before detecting: the inventory facts this event brings are visible to every detector, and
            # a Bedrock runtime call's caller is kept for the invocation-log findings of the same request.
            call = ApiCall(detail)
            learn_from(call, self.ctx)
            remember_request(call, self.ctx)
        out: list[Finding] = []
        for d, check in self.index.candidates(event):
            if check and not d.wants(event):
                continue
            try:
                out.extend(d.fn(event, self.ctx))
            except Exception:
                # A detector bug must not hide other detectors' findings, but it must be loud: counted,
                # logged with the event id, and re-raised by handlers that need Lambda to retry.
                self.ctx.counters[f"detector_error:{d.id}"] += 1
                logger.exception("detector failed", extra={"detector": d.id, "event_id": event.get("id")})
                raise
        return out
