"""Each detector's own event patterns are covered by a rule in template.yaml that targets its function.

For every pattern a detector declares, witness events are built (one per alternative value of each field) and
each must (a) be wanted by the detector itself and (b) be routed by the template's rules to its function. So a
rule that forgets an eventName a detector reads fails here, before any fixture is written for it.
"""

from __future__ import annotations

import copy
import ipaddress
from collections.abc import Iterator
from typing import Any

import pytest
from aidr.detectors.registry import Detector, detectors_for
from aidr.routing import Router
from aidr_cli.template import routes_from_template

DETECTORS = detectors_for()
ABSENT = object()  # the field must be missing ({"exists": false})


def _value(spec: Any) -> Any:
    """A leaf value matching one alternative of a pattern field (None when we cannot make one)."""
    if not isinstance(spec, dict):
        return spec  # a literal
    (kind, arg), = spec.items()
    if kind == "exists":
        return "witness" if arg else ABSENT
    if kind == "prefix":
        return (arg["equals-ignore-case"] if isinstance(arg, dict) else arg) + "Witness"
    if kind == "suffix":
        return "Witness" + (arg["equals-ignore-case"] if isinstance(arg, dict) else arg)
    if kind == "equals-ignore-case":
        return arg
    if kind == "wildcard":
        return arg.replace("\\*", "\0").replace("*", "w").replace("\0", "*")
    if kind == "anything-but":
        return "aidr-witness-value"
    if kind == "cidr":
        return str(ipaddress.ip_network(arg, strict=False).network_address)
    return None  # numeric and friends: no witness; the pattern is then skipped below, loudly


def _base(pattern: dict[str, Any]) -> dict[str, Any]:
    """One event matching the first alternative of every field."""
    event: dict[str, Any] = {}
    for key, spec in pattern.items():
        if key == "$or":
            event.update(_base(spec[0]))
        elif isinstance(spec, dict):
            event[key] = _base(spec)
        else:
            v = _value(spec[0])
            if v is not ABSENT:
                event[key] = v
    return event


def _variants(pattern: dict[str, Any], path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """(path, value) for every alternative of every leaf field."""
    for key, spec in pattern.items():
        if key == "$or":
            continue
        if isinstance(spec, dict):
            yield from _variants(spec, (*path, key))
        else:
            for alt in spec:
                yield (*path, key), _value(alt)


def witnesses(pattern: dict[str, Any]) -> list[dict[str, Any]]:
    base = _base(pattern)
    out = [base]
    for path, value in _variants(pattern):
        if value is None or value is ABSENT:
            continue
        event = copy.deepcopy(base)
        node = event
        for k in path[:-1]:
            node = node.setdefault(k, {})
        node[path[-1]] = value
        out.append(event)
    for branch in pattern.get("$or", []):
        out.extend(witnesses({**{k: v for k, v in pattern.items() if k != "$or"}, **branch}))
    return out


@pytest.fixture(scope="module")
def router(template: dict[str, Any]) -> Router:
    return Router(routes_from_template(template))


def _envelope(event: dict[str, Any]) -> dict[str, Any]:
    return {"version": "0", "id": "witness", "account": "111122223333", "region": "us-east-1",
            "time": "2025-01-01T00:00:00Z", **event}


@pytest.mark.parametrize("det", DETECTORS, ids=[d.id for d in DETECTORS])
def test_detector_patterns_are_routed_to_its_function(det: Detector, router: Router) -> None:
    for i, pattern in enumerate(det.meta.events):
        usable = [e for e in map(_envelope, witnesses(pattern)) if det.wants(e)]
        assert usable, f"{det.id}: cannot build an event for pattern {i}; extend tests/template/test_routing.py"
        for event in usable:
            assert det.meta.function in router.targets(event), (
                f"{det.id}: no rule routes this event to {det.meta.function}: {event}")


def test_witnesses_cover_each_alternative() -> None:
    pattern = {"source": ["aws.bedrock"], "detail": {"eventName": ["A", {"prefix": "Get"}], "errorCode": [
        {"exists": False}]}}
    assert {w["detail"]["eventName"] for w in witnesses(pattern)} == {"A", "GetWitness"}
    assert all("errorCode" not in w["detail"] for w in witnesses(pattern))
