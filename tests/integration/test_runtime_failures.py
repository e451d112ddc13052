"""The runtime under failure: partial PutEvents failures, lost publishes, bad config, bad events, SNS and
Security Hub errors. Stubbed clients (botocore Stubber) stand in where moto cannot fail on demand."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from aidr.errors import ConfigError, InputError
from aidr.findings.model import Finding
from aidr.findings.store import FindingStore
from aidr.runtime import Clients, ExportFailed, PublishFailed, record_finding, run_detectors
from botocore.stub import ANY, Stubber

from tests.conftest import EVENTS, load_json
from tests.integration.handlers import FakeContext, load_handler
from tests.integration.moto_account import BUS, CONFIG_PARAMETER, FINDINGS_TABLE, Account, session

DETECTOR = "DetectBedrockFunction"
SAMPLE = EVENTS / DETECTOR / "logging-tampering.delete-invocation-logging.json"
RECORD_SAMPLE = EVENTS / "RecordFindingFunction" / "high-logging-deleted.json"
FINDING_ENTRY = {"Source": "aidr", "DetailType": "aidr Finding", "Detail": ANY, "EventBusName": BUS}
REFUSED = {"FailedEntryCount": 1, "Entries": [{"ErrorCode": "ThrottlingException", "ErrorMessage": "Rate exceeded"}]}
ACCEPTED = {"FailedEntryCount": 0, "Entries": [{"EventId": "11111111-2222-3333-4444-555555555555"}]}


@pytest.fixture(autouse=True)
def _no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("aidr.runtime.publish.time.sleep", lambda _s: None)


def stubbed(service: str) -> tuple[Any, Stubber]:
    client = session().client(service)  # a client of its own: the Stubber takes it over
    return client, Stubber(client)


def sample(path: Path = SAMPLE) -> dict[str, Any]:
    return load_json(path)


# ---------------------------------------------------------------------------------------------- publishing
def test_refused_entries_are_retried(account: Account) -> None:
    events, stub = stubbed("events")
    stub.add_response("put_events", REFUSED, {"Entries": [FINDING_ENTRY]})
    stub.add_response("put_events", ACCEPTED, {"Entries": [FINDING_ENTRY]})  # the refused entry again
    with stub:
        summary = run_detectors(DETECTOR, sample(), clients=Clients(events=events))
    stub.assert_no_pending_responses()
    assert len(summary["findings"]) == 1
    assert summary["event_id"] in account.claimed(DETECTOR)


def test_failed_publish_releases_the_claim_and_raises(account: Account) -> None:
    events, stub = stubbed("events")
    for _ in range(5):
        stub.add_response("put_events", REFUSED, {"Entries": [FINDING_ENTRY]})
    with stub, pytest.raises(PublishFailed, match=r"1 of 1 findings not put on event bus .*ThrottlingException"):
        run_detectors(DETECTOR, sample(), clients=Clients(events=events))
    assert account.claimed(DETECTOR) == set()

    # Lambda's retry of the same event is not skipped: it publishes.
    summary = load_handler(DETECTOR)(sample(), FakeContext(DETECTOR))
    assert summary["duplicate"] is False
    assert [e["detail"]["id"] for e in account.bus_events()] == summary["findings"]


def test_detector_error_releases_the_claim(account: Account, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(self: Any, event: dict[str, Any]) -> list[Finding]:
        raise RuntimeError("detector bug")

    monkeypatch.setattr("aidr.engine.Engine.process", broken)
    with pytest.raises(RuntimeError, match="detector bug"):
        load_handler(DETECTOR)(sample(), FakeContext(DETECTOR))
    assert account.claimed(DETECTOR) == set()


def test_publish_stops_retrying_before_the_deadline(account: Account) -> None:
    events, stub = stubbed("events")
    stub.add_response("put_events", REFUSED, {"Entries": [FINDING_ENTRY]})
    with stub, pytest.raises(PublishFailed, match="after 1 attempts"):
        run_detectors(DETECTOR, sample(), context=FakeContext(DETECTOR, remaining_ms=3_000),
                      clients=Clients(events=events))
    assert account.claimed(DETECTOR) == set()


# ---------------------------------------------------------------------------------------------- config
def test_missing_config_parameter_fails_closed(account: Account) -> None:
    account.client("ssm").delete_parameter(Name=CONFIG_PARAMETER)
    with pytest.raises(ConfigError, match=CONFIG_PARAMETER):
        load_handler(DETECTOR)(sample(), FakeContext(DETECTOR))
    assert account.claimed(DETECTOR) == set()
    assert account.bus_events() == []


def test_invalid_config_fails_closed(account: Account) -> None:
    account.put_config("aproved_models: [anthropic.claude-3-haiku]\n")
    with pytest.raises(ConfigError, match=rf"ssm:{CONFIG_PARAMETER}: unknown key 'aproved_models'"):
        load_handler(DETECTOR)(sample(), FakeContext(DETECTOR))
    assert account.claimed(DETECTOR) == set()


@pytest.mark.parametrize("variable", ["AIDR_EVENT_BUS", "AIDR_STATE_TABLE", "AIDR_CONFIG_PARAMETER"])
def test_missing_environment_variable_is_named(variable: str, account: Account,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(variable)
    with pytest.raises(ConfigError, match=f"environment variable {variable} is not set"):
        load_handler(DETECTOR)(sample(), FakeContext(DETECTOR))


# ---------------------------------------------------------------------------------------------- bad events
@pytest.mark.parametrize(
    ("event", "message"),
    [
        (lambda ev: ev["detail"], r"missing version, id, detail-type.*a bare CloudTrail record\?"),
        (lambda ev: {k: v for k, v in ev.items() if k not in ("detail", "time")}, r"missing time, detail$"),
        (lambda ev: {**ev, "detail": "{}"}, r"'detail' must be an object, got str"),
        (lambda ev: [ev], r"expected one EventBridge event \(a JSON object\), got list"),
    ],
    ids=["bare-record", "no-detail", "detail-string", "batch"],
)
def test_malformed_event_is_refused_clearly(event: Any, message: str, account: Account) -> None:
    with pytest.raises(InputError, match=message):
        load_handler(DETECTOR)(event(sample()), FakeContext(DETECTOR))
    assert account.claimed(DETECTOR) == set()


def test_invalid_finding_names_its_fields(account: Account) -> None:
    event = sample(RECORD_SAMPLE)
    del event["detail"]["severity"]
    event["detail"]["layer"] = "network"
    with pytest.raises(InputError, match=r"not a valid finding \(severity: Field required; layer: Input should be"):
        load_handler("RecordFindingFunction")(event, FakeContext("RecordFindingFunction"))


def test_record_finding_refuses_other_events(account: Account) -> None:
    with pytest.raises(InputError, match=r"expected source 'aidr', got 'aws\.bedrock'"):
        load_handler("RecordFindingFunction")(sample(), FakeContext("RecordFindingFunction"))


# ---------------------------------------------------------------------------------------------- notify
def test_failed_notification_is_retried_by_the_next_delivery(account: Account) -> None:
    sns, stub = stubbed("sns")
    stub.add_client_error("publish", "InternalError", "SNS is unavailable", http_status_code=500)
    with stub, pytest.raises(Exception, match="SNS is unavailable"):
        record_finding(sample(RECORD_SAMPLE), clients=Clients(sns=sns))
    assert account.notifications() == []

    summary = record_finding(sample(RECORD_SAMPLE))  # Lambda's retry, with a working SNS
    assert (summary["new"], summary["notified"]) == (False, True)
    assert len(account.notifications()) == 1


def test_escalation_notifies_again(account: Account) -> None:
    event = sample(RECORD_SAMPLE)
    event["detail"]["severity"] = "medium"
    assert record_finding(copy.deepcopy(event))["notified"] is True
    later = copy.deepcopy(event)
    later["detail"].update(severity="critical", last_seen="2026-11-18T03:20:00.000Z")
    summary = record_finding(later)
    assert (summary["escalated"], summary["notified"]) == (True, True)
    notes = account.notifications()
    assert [n["attributes"]["severity"] for n in notes] == ["medium", "critical"]
    assert notes[1]["subject"].startswith("aidr CRITICAL (escalated):")
    stored = FindingStore(FINDINGS_TABLE, account.client("dynamodb")).get(event["detail"]["id"])
    assert stored is not None and stored.severity == "critical"


# ---------------------------------------------------------------------------------------------- Security Hub
def test_security_hub_import(account: Account, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIDR_SECURITY_HUB", "true")
    hub = account.client("securityhub")
    hub.enable_security_hub()
    event = sample(RECORD_SAMPLE)
    event["account"] = account.client("sts").get_caller_identity()["Account"]
    summary = load_handler("RecordFindingFunction")(event, FakeContext("RecordFindingFunction"))
    assert summary["exported"] is True
    ids = [f["Id"] for f in hub.get_findings()["Findings"]]
    assert ids == [event["detail"]["id"]]


def test_security_hub_refusal_raises(account: Account, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIDR_SECURITY_HUB", "true")
    hub, stub = stubbed("securityhub")
    stub.add_response("batch_import_findings", {"FailedCount": 1, "SuccessCount": 0, "FailedFindings": [
        {"Id": "x", "ErrorCode": "InvalidInput", "ErrorMessage": "Finding does not adhere to ASFF"}]})
    with stub, pytest.raises(ExportFailed, match="refused 1 of 1 findings: x: InvalidInput"):
        record_finding(sample(RECORD_SAMPLE), clients=Clients(securityhub=hub))
