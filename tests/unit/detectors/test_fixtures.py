"""Every detector ships positive and negative fixtures; this walks the registry and runs them all.

A fixture is ``tests/fixtures/<detector id>/{positive,negative}/<case>.json``::

    {"description": "...",
     "config": {... optional aidr config ...},
     "records": [... CloudTrail records, EventBridge events or GuardDuty findings, in any order ...],
     "expect": {"severity": "high", "findings": 1}}       # positive only; both keys optional

Records go through the same routing as `aidr replay` (template.yaml's rules), so a positive fixture also
proves that a deployed rule delivers the event to the detector's function.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from aidr.config import parse_config
from aidr.detectors.registry import detectors_for
from aidr_cli.pipeline import run_records
from aidr_cli.template import load_router

from tests.conftest import FIXTURES, load_json

DETECTORS = detectors_for()
META = {d.id: d.meta for d in DETECTORS}
ROUTER = load_router()


def record_ids(rec: object) -> set[str]:
    """Ids a finding may cite: CloudTrail eventID, GuardDuty finding id, invocation-log requestId."""
    if not isinstance(rec, dict):
        return set()
    ids = {rec[k] for k in ("eventID", "requestId", "id", "Id") if isinstance(rec.get(k), str)}
    return ids | record_ids(rec.get("detail"))


def _cases(polarity: str) -> list[tuple[str, Path]]:
    return [(d.id, p) for d in DETECTORS for p in sorted((FIXTURES / d.id / polarity).glob("*.json"))]


@pytest.mark.parametrize("detector_id", [d.id for d in DETECTORS])
def test_detector_has_both_polarities(detector_id: str) -> None:
    for polarity in ("positive", "negative"):
        assert list((FIXTURES / detector_id / polarity).glob("*.json")), f"{detector_id}: no {polarity} fixture"


def _run(path: Path):  # type: ignore[no-untyped-def]
    case = load_json(path)
    assert case.get("records"), f"{path}: no records"
    config = parse_config(case.get("config"), str(path))
    findings, _ = run_records(case["records"], config, ROUTER)
    return case, findings


@pytest.mark.parametrize(("detector_id", "path"), _cases("positive"), ids=lambda v: getattr(v, "stem", v))
def test_positive_fixture_fires(detector_id: str, path: Path) -> None:
    case, findings = _run(path)
    mine = [f for f in findings if f.detector == detector_id]
    expect = case.get("expect", {})
    assert mine, f"{path.name}: {detector_id} did not fire ({case.get('description', '')})"
    if "findings" in expect:
        assert len(mine) == expect["findings"], [f.title for f in mine]
    if "severity" in expect:
        assert {f.severity for f in mine} == {expect["severity"]}
    ids = set().union(*(record_ids(r) for r in case["records"]))
    for f in mine:
        assert f.event_ids and set(f.event_ids) <= ids, "event_ids must name the source records"
        assert f.category == META[detector_id].category


@pytest.mark.parametrize(("detector_id", "path"), _cases("negative"), ids=lambda v: getattr(v, "stem", v))
def test_negative_fixture_is_quiet(detector_id: str, path: Path) -> None:
    _case, findings = _run(path)
    mine = [f for f in findings if f.detector == detector_id]
    assert not mine, f"{path.name}: {detector_id} fired: {[f.description for f in mine]}"
