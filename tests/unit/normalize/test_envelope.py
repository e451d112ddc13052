"""envelope_from_record: every input shape becomes the EventBridge envelope the template's rules match."""

from __future__ import annotations

from typing import Any

import pytest
from aidr.normalize.envelope import cloudtrail_detail_type, cloudtrail_source, envelope_from_record


def _ct(**kw: Any) -> dict[str, Any]:
    return {"eventVersion": "1.09", "eventSource": "bedrock.amazonaws.com", "eventName": "InvokeModel",
            "eventID": "e-1", "eventTime": "2026-03-02T09:14:03Z", "awsRegion": "us-east-1",
            "recipientAccountId": "111122223333", **kw}


def test_cloudtrail_record_is_wrapped_like_eventbridge() -> None:
    rec = _ct(eventType="AwsApiCall")
    env = envelope_from_record(rec)
    assert env == {"version": "0", "id": "e-1", "detail-type": "AWS API Call via CloudTrail", "source": "aws.bedrock",
                   "account": "111122223333", "time": "2026-03-02T09:14:03Z", "region": "us-east-1",
                   "resources": [], "detail": rec}


@pytest.mark.parametrize(
    ("event_type", "detail_type"),
    [
        # EventBridge user guide, "AWS service events delivered via AWS CloudTrail".
        ("AwsApiCall", "AWS API Call via CloudTrail"),
        ("AwsServiceEvent", "AWS Service Event via CloudTrail"),
        ("AwsConsoleAction", "AWS Console Action via CloudTrail"),
        ("AwsCloudTrailInsight", "AWS Insight via CloudTrail"),
        ("AwsConsoleSignIn", "AWS Console Sign In via CloudTrail"),
        (None, "AWS API Call via CloudTrail"),
        (["AwsServiceEvent"], "AWS API Call via CloudTrail"),  # not a string: treated as the common case
    ],
)
def test_detail_type_by_event_type(event_type: Any, detail_type: str) -> None:
    assert cloudtrail_detail_type({"eventType": event_type}) == detail_type


@pytest.mark.parametrize(("event_source", "source"), [("s3.amazonaws.com", "aws.s3"), ("", "aws.unknown"),
                                                      (None, "aws.unknown"), (3, "aws.unknown")])
def test_source_from_event_source(event_source: Any, source: str) -> None:
    assert cloudtrail_source(event_source) == source


def test_eventbridge_event_passes_through() -> None:
    ev = {"version": "0", "source": "aws.bedrock", "detail-type": "AWS API Call via CloudTrail", "detail": _ct()}
    assert envelope_from_record(ev) is ev


def test_guardduty_pascal_case_inside_eventbridge_is_read_as_camel_case() -> None:
    ev = {"source": "aws.guardduty", "detail-type": "GuardDuty Finding",
          "detail": {"SchemaVersion": "2.0", "Type": "Impact:IAMUser/AnomalousModelInvocation", "Id": "f1"}}
    env = envelope_from_record(ev)
    assert env is not None and env["detail"]["type"] == "Impact:IAMUser/AnomalousModelInvocation"


def test_guardduty_api_finding_is_wrapped() -> None:
    f = {"SchemaVersion": "2.0", "AccountId": "111122223333", "Region": "us-east-1", "Id": "f1",
         "Type": "Impact:IAMUser/CostHarvesting", "UpdatedAt": "2026-03-02T09:21:00.000Z"}
    env = envelope_from_record(f)
    assert env is not None
    assert (env["source"], env["detail-type"], env["id"], env["account"], env["time"]) == (
        "aws.guardduty", "GuardDuty Finding", "f1", "111122223333", "2026-03-02T09:21:00.000Z")


@pytest.mark.parametrize("obj", [None, 3, "text", [], {}, {"Records": []}, {"detail-type": "x", "source": "y"}])
def test_unknown_shapes_are_none(obj: Any) -> None:
    assert envelope_from_record(obj) is None


# A CloudTrail Insights event as a trail delivers it to CloudTrail-Insight/ (CloudTrail user guide, "CloudTrail
# record contents for Insights events for trails"): the API it is about is under insightDetails, not at the top.
INSIGHT = {
    "eventVersion": "1.08", "eventTime": "2026-03-02T09:00:00Z", "awsRegion": "us-east-1",
    "eventID": "a9edc959-9488-4790-be0f-05d60e56b547", "eventType": "AwsCloudTrailInsight",
    "recipientAccountId": "111122223333", "sharedEventID": "12edc982-3348-4794-83d3-a3db26525049",
    "insightDetails": {
        "state": "Start", "eventSource": "bedrock.amazonaws.com", "eventName": "InvokeModel",
        "insightType": "ApiCallRateInsight",
        "insightContext": {"statistics": {"baseline": {"average": 0.01}, "insight": {"average": 25.0},
                                          "insightDuration": 5}},
    },
    "eventCategory": "Insight",
}


def test_cloudtrail_insight_record_is_wrapped_like_eventbridge() -> None:
    env = envelope_from_record(INSIGHT)
    assert env == {"version": "0", "id": INSIGHT["eventID"], "detail-type": "AWS Insight via CloudTrail",
                   "source": "aws.cloudtrail", "account": "111122223333", "time": "2026-03-02T09:00:00Z",
                   "region": "us-east-1", "resources": [], "detail": INSIGHT}


def test_an_insight_event_type_without_insight_details_is_not_a_record() -> None:
    assert envelope_from_record({"eventType": "AwsCloudTrailInsight", "eventID": "x"}) is None
