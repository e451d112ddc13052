"""cloudtrail.logging_stopped and cloudtrail.logging_weakened: selector coverage and judging against state."""

from __future__ import annotations

import pytest
from aidr.config import AidrConfig
from aidr.detectors.audit.trail_selectors import Coverage, coverage, coverage_weaknesses, dropped_data_events

from tests.unit.detectors.audit.tamper_records import ACCOUNT, FOREIGN, ROOT, Live, call, user

STOPPED = "cloudtrail.logging_stopped"
WEAKENED = "cloudtrail.logging_weakened"
TRAIL = "org-audit-trail"
TRAIL_ARN = f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/{TRAIL}"
MGMT = {"fieldSelectors": [{"field": "eventCategory", "equals": ["Management"]}]}


def data(rtype: str) -> dict:
    return {"fieldSelectors": [{"field": "eventCategory", "equals": ["Data"]},
                               {"field": "resources.type", "equals": [rtype]}]}


def put_selectors(sels: list, *, at: float, advanced: bool = True, **kw) -> dict:
    field = "advancedEventSelectors" if advanced else "eventSelectors"
    return call("PutEventSelectors", "cloudtrail", {"trailName": TRAIL, field: sels}, at=at,
                resp={"trailARN": TRAIL_ARN, field: sels}, **kw)


def update_trail(at: float, **settings) -> dict:
    return call("UpdateTrail", "cloudtrail", {"name": TRAIL, **settings}, at=at, resp={"trailARN": TRAIL_ARN})


# --- coverage of selectors
@pytest.mark.parametrize(
    ("selectors", "read", "write"),
    [
        ({"eventSelectors": [{}]}, True, True),  # API defaults: All, management events included
        ({"eventSelectors": [{"readWriteType": "WriteOnly"}]}, False, True),
        ({"eventSelectors": [{"readWriteType": "All", "includeManagementEvents": "false"}]}, False, False),
        ({"eventSelectors": []}, False, False),
        ({"advancedEventSelectors": [MGMT]}, True, True),
        ({"advancedEventSelectors": [{"fieldSelectors": [{"field": "eventCategory", "equals": ["Management"]},
                                                         {"field": "readOnly", "equals": ["true"]}]}]}, True, False),
        ({"advancedEventSelectors": [data("AWS::S3::Object")]}, False, False),
    ],
)
def test_management_coverage(selectors: dict, read: bool, write: bool) -> None:
    cov = coverage(selectors)
    assert (cov.management_read, cov.management_write) == (read, write)


def test_data_resources_without_values_select_nothing() -> None:
    cov = coverage({"eventSelectors": [{"dataResources": [{"type": "AWS::S3::Object", "values": []},
                                                          {"type": "AWS::Lambda::Function",
                                                           "values": ["arn:aws:lambda"]}]}]})
    assert cov.data_types == {"AWS::Lambda::Function"}


def test_a_source_is_excluded_only_when_no_management_selector_logs_it() -> None:
    excl = {"fieldSelectors": [{"field": "eventCategory", "equals": ["Management"]},
                               {"field": "eventSource", "notEquals": ["bedrock.amazonaws.com", "kms.amazonaws.com"]}]}
    assert coverage({"advancedEventSelectors": [excl]}).excluded_sources == {"bedrock.amazonaws.com",
                                                                             "kms.amazonaws.com"}
    assert coverage({"advancedEventSelectors": [excl, MGMT]}).excluded_sources == set()
    codes = [w.code for w in coverage_weaknesses(coverage({"advancedEventSelectors": [excl]}))]
    assert codes == ["excluded:bedrock.amazonaws.com"]  # kms exclusion is a cost choice, not an AI blind spot


def test_dropped_data_events_rank_ai_types_higher() -> None:
    old = Coverage(True, True, frozenset(), frozenset({"AWS::Bedrock::KnowledgeBase", "AWS::DynamoDB::Table"}))
    new = Coverage(True, True, frozenset(), frozenset())
    assert {(w.code, w.severity) for w in dropped_data_events(old, new)} == {
        ("data_events_dropped:AWS::Bedrock::KnowledgeBase", "medium"),
        ("data_events_dropped:AWS::DynamoDB::Table", "low")}


# --- the detectors
def test_stop_logging_by_root_is_critical_and_a_trusted_principal_is_lowered() -> None:
    stop = call("StopLogging", "cloudtrail", {"name": TRAIL}, who=ROOT)
    assert Live(STOPPED).one(stop).severity == "critical"  # type: ignore[union-attr]
    trusted = AidrConfig(trusted_principals=[f"arn:aws:iam::{ACCOUNT}:role/ml-platform-deployer"])
    assert Live(STOPPED, config=trusted).one(call("DeleteTrail", "cloudtrail", {"name": TRAIL})).severity == "medium"


def test_failed_calls_change_nothing() -> None:
    live = Live(STOPPED, WEAKENED)
    assert not live.send(call("StopLogging", "cloudtrail", {"name": TRAIL}, error="AccessDenied"),
                         update_trail(0, isMultiRegionTrail=True),
                         call("UpdateTrail", "cloudtrail", {"name": TRAIL, "isMultiRegionTrail": False}, at=10,
                              error="AccessDenied"))
    # The refused update did not reach state: a later real change is still judged against "multi-region".
    assert live.one(update_trail(20, isMultiRegionTrail=False)).severity == "high"  # type: ignore[union-attr]


def test_a_setting_never_seen_is_judged_blind_then_against_state() -> None:
    live = Live(WEAKENED)
    first = live.one(update_trail(0, isMultiRegionTrail=False))
    assert first is not None and first.severity == "low" and not first.evidence["previous_configuration_known"]
    assert live.one(update_trail(10, isMultiRegionTrail=False)) is None  # re-sent: nothing new
    assert live.one(update_trail(20, isMultiRegionTrail=True)) is None
    again = live.one(update_trail(30, isMultiRegionTrail=False))
    assert again is not None and again.severity == "high" and again.evidence["weaknesses"] == ["single_region"]


def test_partial_updates_only_know_the_settings_they_carried() -> None:
    live = Live(WEAKENED)
    live.send(update_trail(0, isMultiRegionTrail=True))
    # includeGlobalServiceEvents was never seen: judged blind even though the trail's state exists.
    found = live.one(update_trail(10, includeGlobalServiceEvents=False))
    assert found is not None and found.severity == "low"


def test_bucket_moves_need_the_old_bucket() -> None:
    live = Live(WEAKENED)
    assert live.one(update_trail(0, s3BucketName="acme-cloudtrail")) is None
    moved = live.one(update_trail(10, s3BucketName="audit-archive-eu"))
    assert moved is not None and moved.severity == "medium" and moved.evidence["weaknesses"] == ["bucket_moved"]


def test_foreign_log_group_is_high_on_first_sight() -> None:
    arn = f"arn:aws:logs:us-east-1:{FOREIGN}:log-group:relay:*"
    found = Live(WEAKENED).one(update_trail(0, cloudWatchLogsLogGroupArn=arn))
    assert found is not None and found.severity == "high"


def test_selectors_that_drop_data_events_are_judged_against_the_last_selectors() -> None:
    live = Live(WEAKENED)
    assert live.one(put_selectors([MGMT, data("AWS::Bedrock::Guardrail")], at=0)) is None
    dropped = live.one(put_selectors([MGMT], at=10, who=user()))
    assert dropped is not None and dropped.severity == "medium"
    assert dropped.evidence["weaknesses"] == ["data_events_dropped:AWS::Bedrock::Guardrail"]
    assert dropped.resources[0].id == TRAIL_ARN


def test_selectors_judged_after_settings_keep_both_parts_of_state() -> None:
    live = Live(WEAKENED)
    live.send(update_trail(0, isMultiRegionTrail=True), put_selectors([MGMT], at=5))
    found = live.one(update_trail(10, isMultiRegionTrail=False))
    assert found is not None and found.evidence["weaknesses"] == ["single_region"]  # no selector noise
    off = live.one(put_selectors([data("AWS::S3::Object")], at=20))
    assert off is not None and off.evidence["weaknesses"] == ["management_events_off"]


def test_redelivered_weakening_gives_the_same_finding() -> None:
    live = Live(WEAKENED)
    live.send(put_selectors([MGMT, data("AWS::S3::Object")], at=0))
    change = put_selectors([MGMT], at=10)
    first, again = live.one(change), live.one(change)
    assert first is not None and again is not None
    assert (first.id, first.severity, first.evidence) == (again.id, again.severity, again.evidence)


def test_event_data_store_updates() -> None:
    eds = f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:eventdatastore/7c1b0e3a"
    live = Live(WEAKENED)
    live.send(call("UpdateEventDataStore", "cloudtrail", {"eventDataStore": eds, "retentionPeriod": 2557,
                                                          "advancedEventSelectors": [MGMT]}, at=0))
    found = live.one(call("UpdateEventDataStore", "cloudtrail",
                          {"eventDataStore": eds, "retentionPeriod": 90, "terminationProtectionEnabled": False,
                           "advancedEventSelectors": [{"fieldSelectors": [
                               {"field": "eventCategory", "equals": ["Management"]},
                               {"field": "eventSource", "notEquals": ["sagemaker.amazonaws.com"]}]}]}, at=10))
    assert found is not None and found.severity == "high"
    assert set(found.evidence["weaknesses"]) == {"excluded:sagemaker.amazonaws.com", "termination_protection_off",
                                                 "retention_cut"}
    assert found.resources[0].type == "AWS::CloudTrail::EventDataStore"


def test_excluding_bedrock_mantle_is_an_ai_blind_spot_like_bedrock() -> None:
    excl = {"fieldSelectors": [{"field": "eventCategory", "equals": ["Management"]},
                               {"field": "eventSource", "notEquals": ["bedrock-mantle.amazonaws.com"]}]}
    codes = [(w.code, w.severity) for w in coverage_weaknesses(coverage({"advancedEventSelectors": [excl]}))]
    assert codes == [("excluded:bedrock-mantle.amazonaws.com", "high")]
    basic = {"eventSelectors": [{"excludeManagementEventSources": ["bedrock-mantle.amazonaws.com"]}]}
    assert [w.code for w in coverage_weaknesses(coverage(basic))] == ["excluded:bedrock-mantle.amazonaws.com"]
