"""What a trail's or event data store's event selectors log, as recorded by CloudTrail (PutEventSelectors,
UpdateEventDataStore), and the weaknesses of that coverage.

Basic selectors: ``eventSelectors: [{readWriteType, includeManagementEvents, dataResources: [{type, values}],
excludeManagementEventSources}]``. Advanced selectors: ``advancedEventSelectors: [{name, fieldSelectors: [{field,
equals, notEquals, startsWith, ...}]}]`` where ``eventCategory`` is ``Management`` or ``Data``, ``readOnly`` narrows
to reads or writes, ``eventSource`` ``notEquals`` drops services and ``resources.type`` names the data events.

Examples
--------
>>> cov = coverage({"eventSelectors": [{"readWriteType": "ReadOnly", "includeManagementEvents": False}]})
>>> cov.management_read, cov.management_write
(False, False)
>>> [w.code for w in coverage_weaknesses(cov)]
['management_events_off']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .tampering import Weakness, as_bool

# Management-event sources whose loss blinds AI detection: Bedrock control and runtime calls, bedrock-mantle (the
# OpenAI/Anthropic-compatible endpoint: model listing, fine-tuning jobs, projects, all of them management events),
# SageMaker.
AI_EVENT_SOURCES = ("bedrock.amazonaws.com", "bedrock-mantle.amazonaws.com", "sagemaker.amazonaws.com")
# Data-event resource types that carry AI activity: agents, knowledge bases, guardrails, models, training data.
# "AWS::BedrockMantle::" is bedrock-mantle's resource namespace (AWS::BedrockMantle::Project), so its data events
# rank like Bedrock's.
AI_DATA_TYPE_PREFIXES = ("AWS::Bedrock::", "AWS::BedrockMantle::", "AWS::SageMaker::", "AWS::S3::Object")


@dataclass(frozen=True)
class Coverage:
    management_read: bool
    management_write: bool
    excluded_sources: frozenset[str]
    """Management event sources no selector logs."""
    data_types: frozenset[str]
    """Resource types whose data events are logged."""

    def to_state(self) -> dict[str, Any]:
        """JSON-ready form kept in state (sets as sorted lists)."""
        return {"management_read": self.management_read, "management_write": self.management_write,
                "excluded_sources": sorted(self.excluded_sources), "data_types": sorted(self.data_types)}

    @classmethod
    def from_state(cls, d: dict[str, Any]) -> Coverage:
        return cls(bool(d["management_read"]), bool(d["management_write"]), frozenset(d["excluded_sources"]),
                   frozenset(d["data_types"]))


def _list(v: Any) -> list[Any]:
    return v if isinstance(v, list) else []


def coverage(selectors: dict[str, Any]) -> Coverage:
    """Coverage of ``{"eventSelectors": [...]}`` or ``{"advancedEventSelectors": [...]}`` (advanced wins)."""
    if "advancedEventSelectors" in selectors:
        return _advanced(_list(selectors.get("advancedEventSelectors")))
    return _basic(_list(selectors.get("eventSelectors")))


def _basic(selectors: list[Any]) -> Coverage:
    read = write = False
    excluded: set[str] | None = None
    data: set[str] = set()
    for sel in selectors:
        if not isinstance(sel, dict):
            continue
        rw = sel.get("readWriteType") or "All"
        if as_bool(sel.get("includeManagementEvents")) is not False:  # the API's default is true
            read |= rw in ("ReadOnly", "All")
            write |= rw in ("WriteOnly", "All")
            mine = {s for s in _list(sel.get("excludeManagementEventSources")) if isinstance(s, str)}
            excluded = mine if excluded is None else excluded & mine  # excluded only if no selector logs it
        for res in _list(sel.get("dataResources")):
            # A data resource with no values selects nothing.
            if isinstance(res, dict) and isinstance(res.get("type"), str) and _list(res.get("values")):
                data.add(res["type"])
    return Coverage(read, write, frozenset(excluded or ()), frozenset(data))


def _fields(sel: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["field"]: f for f in _list(sel.get("fieldSelectors")) if isinstance(f, dict) and "field" in f}


def _advanced(selectors: list[Any]) -> Coverage:
    read = write = False
    excluded: set[str] | None = None
    data: set[str] = set()
    for sel in selectors:
        if not isinstance(sel, dict):
            continue
        fields = _fields(sel)
        category = _list(fields.get("eventCategory", {}).get("equals"))
        if "Management" in category:
            only = _list(fields.get("readOnly", {}).get("equals"))
            read |= not only or "true" in only
            write |= not only or "false" in only
            mine = {s for s in _list(fields.get("eventSource", {}).get("notEquals")) if isinstance(s, str)}
            excluded = mine if excluded is None else excluded & mine
        elif category:
            data.update(t for t in _list(fields.get("resources.type", {}).get("equals")) if isinstance(t, str))
    return Coverage(read, write, frozenset(excluded or ()), frozenset(data))


def coverage_weaknesses(cov: Coverage) -> list[Weakness]:
    """What the selectors fail to log, whatever they replaced."""
    out: list[Weakness] = []
    if not cov.management_read and not cov.management_write:
        out.append(Weakness("management_events_off", "high", "management events are no longer logged",
                            blind_severity="high"))
    elif not cov.management_write:
        out.append(Weakness("management_writes_off", "high", "write management events are no longer logged",
                            blind_severity="high"))
    elif not cov.management_read:
        # WriteOnly trails are a common cost choice, but Bedrock invocations and recon calls are read-only events.
        out.append(Weakness("management_reads_off", "medium", "read-only management events are no longer logged "
                            "(Bedrock InvokeModel/Converse and List/Get reconnaissance)", blind_severity="low"))
    for source in sorted(cov.excluded_sources & set(AI_EVENT_SOURCES)):
        out.append(Weakness(f"excluded:{source}", "high", f"management events from {source} are excluded",
                            blind_severity="high"))
    return out


def dropped_data_events(prev: Coverage, new: Coverage) -> list[Weakness]:
    """Data-event types the previous selectors logged and the new ones do not."""
    out: list[Weakness] = []
    for t in sorted(prev.data_types - new.data_types):
        ai = t.startswith(AI_DATA_TYPE_PREFIXES)
        out.append(Weakness(f"data_events_dropped:{t}", "medium" if ai else "low",
                            f"{t} data events are no longer logged"))
    return out
