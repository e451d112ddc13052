"""Events on the emulated buses reach exactly the functions whose template rules match, findings reach the
recorder, and read-only CloudTrail events reach only rules that opted in to them (as in EventBridge)."""

from __future__ import annotations

import copy
import json
import uuid
from typing import Any

import pytest
from aidr_cli.embedded.delivery import READ_ONLY_OPT_IN, Bus
from aidr_cli.embedded.runtime import Runtime
from moto.events.models import EventPattern

from tests.conftest import EVENTS, load_json

SAMPLES = sorted(p for p in EVENTS.glob("*/*.json") if "detail-type" in load_json(p))


def _oracle(bus: Bus, bus_name: str, event: dict[str, Any]) -> set[str]:
    """Rules matching by moto's own EventBridge matcher (independent of aidr.routing), with the read-only rule."""
    read_only = event["detail-type"] == "AWS API Call via CloudTrail" and event["detail"].get("readOnly") is True
    return {r.logical_id for r in bus.rules.values()
            if r.bus == bus_name and EventPattern.load(json.dumps(r.pattern)).matches_event(event)
            and (not read_only or r.state == READ_ONLY_OPT_IN)}


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_rules_match_as_eventbridge_does(runtime: Runtime, path: Any) -> None:
    event = load_json(path)
    bus = runtime.bus
    for bus_name in bus.routers:
        assert {r.logical_id for r in bus.matching_rules(bus_name, event)} == _oracle(bus, bus_name, event)


def test_read_only_call_reaches_only_opted_in_rules(runtime: Runtime) -> None:
    event = load_json(EVENTS / "DetectBedrockFunction" / "benign.invoke-approved-model.json")
    assert event["detail"]["readOnly"] is True
    assert {r.logical_id for r in runtime.bus.matching_rules("default", event)} == {"BedrockApiCallRule"}
    iam_read = copy.deepcopy(event)
    iam_read.update(source="aws.iam")
    iam_read["detail"].update(eventSource="iam.amazonaws.com", eventName="AttachRolePolicy")
    assert runtime.bus.matching_rules("default", iam_read) == []  # IdentityChangeRule has not opted in
    iam_read["detail"]["readOnly"] = False
    assert {r.logical_id for r in runtime.bus.matching_rules("default", iam_read)} == {"IdentityChangeRule"}


def test_event_reaches_its_detector_and_the_finding_reaches_the_recorder(runtime: Runtime) -> None:
    from aidr.aws import client
    from aidr_cli.demo import load_records

    # The scenario's PutBucketPolicy on the seeded training bucket, under an id no earlier test claimed.
    record = next(r for r in load_records("data-poisoning") if r["eventName"] == "PutBucketPolicy")
    record = {**record, "eventID": str(uuid.uuid4())}
    entry = {"Source": "aws.s3", "DetailType": "AWS API Call via CloudTrail", "Detail": json.dumps(record),
             "EventBusName": "default"}
    assert client("events").put_events(Entries=[entry])["FailedEntryCount"] == 0
    deliveries = runtime.bus.drain()
    reached = [(d.rule, d.target) for d in deliveries]
    assert ("DataChangeRule", "DetectDataFunction") in reached
    assert all(d.error is None for d in deliveries), [d.error for d in deliveries]
    found = next(d for d in deliveries if d.target == "DetectDataFunction").result["findings"]
    assert found
    recorded = [d for d in deliveries if d.target == "RecordFindingFunction"]
    assert [d.rule for d in recorded] == ["FindingRule"] * len(found)
    assert {d.result["finding_id"] for d in recorded} == set(found)
    # Each finding event reached exactly the targets of the aidr-bus rules that match it (the recorder, the
    # playbook starter in the advanced phase), by moto's matcher.
    aidr_bus = runtime.deployment.ref("AidrEventBus")
    finding_event = recorded[0].event
    expected = {"DetectDataFunction"} | {t.logical_id for rid in _oracle(runtime.bus, aidr_bus, finding_event)
                                         for t in runtime.bus.rules[rid].targets}
    assert {t for _, t in reached} == expected
    assert "RecordFindingFunction" in expected
    table = runtime.deployment.ref("FindingsTable")
    for fid in found:
        assert client("dynamodb").get_item(TableName=table, Key={"id": {"S": fid}}).get("Item")


def test_a_failing_handler_dead_letters_the_event(runtime: Runtime) -> None:
    from aidr.aws import client

    entry = {"Source": "aidr", "DetailType": "aidr Finding", "Detail": json.dumps({"not": "a finding"}),
             "EventBusName": runtime.deployment.ref("AidrEventBus")}
    client("events").put_events(Entries=[entry])
    deliveries = runtime.bus.drain()
    assert "RecordFindingFunction" in {d.target for d in deliveries}
    assert all(d.error and "not a valid finding" in d.error for d in deliveries), [d.error for d in deliveries]
    sqs = client("sqs")
    url = runtime.deployment.ref("FunctionDLQ")
    msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    assert sum(json.loads(m["Body"])["detail"] == {"not": "a finding"} for m in msgs) == len(deliveries)
