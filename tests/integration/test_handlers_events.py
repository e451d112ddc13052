"""Every handler, in process, on every events/ sample, against the emulated account (moto).

Detector samples are named ``<category>.<case>.json`` (the taxonomy category the sample must produce) or
``benign.<case>.json`` (must produce nothing). A category sample is skipped, saying so, while no detector of
its function for that category reads the event: new detectors and new samples are covered without edits.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aidr.detectors.registry import detectors_for
from aidr.findings.model import SEVERITY_ORDER, Finding
from aidr.findings.store import FindingStore
from aidr.runtime.envelope import require_envelope
from aidr.taxonomy import CATEGORIES
from aidr_cli.template import load_router

from tests.conftest import EVENTS, load_json
from tests.integration.handlers import FakeContext, functions, load_handler, published_findings, samples
from tests.integration.moto_account import FINDINGS_TABLE, Account

# The functions of the runtime contract: every detector function, and the finding recorder.
RUNTIME_FUNCTIONS = [*sorted(f for f in functions() if f.startswith("Detect")), "RecordFindingFunction"]
DETECTOR_SAMPLES = samples("Detect")
RECORD_SAMPLES = samples("RecordFindingFunction")
ROUTER = load_router()


def _id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


def expected_category(path: Path) -> str | None:
    """The category a detector sample must produce; None for a benign one."""
    kind = path.stem.split(".", 1)[0]
    return None if kind == "benign" else kind


def sample_record_ids(event: dict[str, Any]) -> set[str]:
    """Ids a finding may cite for this event: CloudTrail eventID, invocation-log requestId, GuardDuty id."""
    d = event["detail"]
    return {d[k] for k in ("eventID", "requestId", "id") if isinstance(d.get(k), str)}


def invoke(function_id: str, event: dict[str, Any]) -> dict[str, Any]:
    return load_handler(function_id)(event, FakeContext(function_id))


# ---------------------------------------------------------------------------------------------- the samples
@pytest.mark.parametrize("function_id", RUNTIME_FUNCTIONS)
def test_runtime_function_has_handler_and_samples(function_id: str) -> None:
    assert functions()[function_id].is_file(), f"{function_id}: no handler at {functions()[function_id]}"
    assert list((EVENTS / function_id).glob("*.json")), f"{function_id}: no sample in events/{function_id}/"


@pytest.mark.parametrize("path", DETECTOR_SAMPLES + RECORD_SAMPLES, ids=_id)
def test_sample_is_an_eventbridge_event(path: Path) -> None:
    require_envelope(load_json(path))


@pytest.mark.parametrize("path", DETECTOR_SAMPLES + RECORD_SAMPLES, ids=_id)
def test_sample_is_routed_to_its_function(path: Path) -> None:
    """A sample is an event the template's rules really deliver to that function."""
    assert path.parent.name in ROUTER.targets(load_json(path)), f"no rule routes {path.name} to {path.parent.name}"


@pytest.mark.parametrize("function_id", sorted({p.parent.name for p in DETECTOR_SAMPLES}))
def test_detector_samples_are_named_and_cover_both_polarities(function_id: str) -> None:
    kinds = [expected_category(p) for p in DETECTOR_SAMPLES if p.parent.name == function_id]
    assert None in kinds, f"{function_id}: no benign.<case>.json sample"
    assert any(kinds), f"{function_id}: no <category>.<case>.json sample"
    for kind in filter(None, kinds):
        assert kind in CATEGORIES, f"{function_id}: {kind!r} is not a category of detection-taxonomy.md"


# ---------------------------------------------------------------------------------------------- detectors
@pytest.mark.parametrize("path", DETECTOR_SAMPLES, ids=_id)
def test_detector_handler_on_sample(path: Path, account: Account, capsys: pytest.CaptureFixture[str],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    function_id, event = path.parent.name, load_json(path)
    category = expected_category(path)
    if category is not None:
        readers = [d for d in detectors_for(function_id) if d.meta.category == category and d.wants(event)]
        if not readers:
            pytest.skip(f"no {category} detector of {function_id} reads this event yet")

    summary = invoke(function_id, event)
    findings = published_findings(account)

    assert summary["duplicate"] is False
    assert sorted(summary["findings"]) == sorted(f.id for f in findings)
    assert summary["event_id"] in account.claimed(function_id)
    if category is None:
        assert findings == [], [f.title for f in findings]
    else:
        assert category in {f.category for f in findings}, [(f.detector, f.category) for f in findings]
        for f in findings:
            assert f.event_ids and set(f.event_ids) <= sample_record_ids(event), f.event_ids
        emf = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
        assert any(m.get("category") == category and "FindingsEmitted" in m for m in emf), emf

    # EventBridge delivers at least once: the same event again is skipped and publishes nothing.
    again = invoke(function_id, json.loads(json.dumps(event)))
    assert again["duplicate"] is True
    assert account.bus_events() == []

    if findings:
        record_published(account, findings, monkeypatch)


def record_published(account: Account, findings: list[Finding], monkeypatch: pytest.MonkeyPatch) -> None:
    """Hand what a detector published to RecordFindingFunction (as the FindingRule does), Security Hub on."""
    monkeypatch.setenv("AIDR_SECURITY_HUB", "true")
    hub = account.client("securityhub")
    hub.enable_security_hub()
    for f in findings:
        envelope = {"version": "0", "id": f"bus-{f.id}", "detail-type": "aidr Finding", "source": "aidr",
                    "account": account.client("sts").get_caller_identity()["Account"], "time": "2026-11-18T12:00:00Z",
                    "region": "us-east-1", "resources": [], "detail": f.to_json_dict()}
        summary = invoke("RecordFindingFunction", envelope)
        assert (summary["new"], summary["exported"]) == (True, True)
    store = FindingStore(FINDINGS_TABLE, account.client("dynamodb"))
    assert [store.get(f.id) for f in findings] == findings
    assert {h["Id"] for h in hub.get_findings()["Findings"]} == {f.id for f in findings}


def test_findings_of_a_detector_flow_into_record_finding(account: Account) -> None:
    """Detector -> aidr bus -> RecordFindingFunction: the finding is stored and notified once."""
    path = next(p for p in DETECTOR_SAMPLES if p.stem == "logging-tampering.delete-invocation-logging")
    invoke(path.parent.name, load_json(path))
    bus_events = account.bus_events()
    assert bus_events
    for ev in bus_events:
        invoke("RecordFindingFunction", ev)
    store = FindingStore(FINDINGS_TABLE, account.client("dynamodb"))
    for ev in bus_events:
        assert store.get(ev["detail"]["id"]) == Finding.model_validate(ev["detail"])
    notified = account.notifications()
    assert {n["message"]["finding"]["id"] for n in notified} == {ev["detail"]["id"] for ev in bus_events}


# ---------------------------------------------------------------------------------------------- record
@pytest.mark.parametrize("path", RECORD_SAMPLES, ids=_id)
def test_record_finding_handler_on_sample(path: Path, account: Account) -> None:
    event = load_json(path)
    finding = Finding.model_validate(event["detail"])
    should_notify = SEVERITY_ORDER[finding.severity] >= SEVERITY_ORDER[account.env["AIDR_NOTIFY_MIN_SEVERITY"]]

    summary = invoke("RecordFindingFunction", event)

    assert summary == {"finding_id": finding.id, "new": True, "escalated": False, "notified": should_notify,
                       "exported": False}
    assert FindingStore(FINDINGS_TABLE, account.client("dynamodb")).get(finding.id) == finding
    notes = account.notifications()
    if should_notify:
        (note,) = notes
        assert note["message"]["finding"] == finding.to_json_dict()
        assert note["subject"].startswith(f"aidr {finding.severity.upper()}")
        assert note["attributes"]["severity"] == finding.severity
    else:
        assert notes == []

    again = invoke("RecordFindingFunction", json.loads(json.dumps(event)))
    assert (again["new"], again["escalated"], again["notified"]) == (False, False, False)
    assert account.notifications() == []
