"""Every input becomes an EventBridge-shaped envelope, the shape the template's rules match.

A CloudTrail record read from S3 is wrapped exactly as EventBridge would deliver it, so `aidr replay` and
AWS route with the same patterns and disagree nowhere.
"""

from __future__ import annotations

from typing import Any

from .guardduty import camelize

CLOUDTRAIL_API_CALL = "AWS API Call via CloudTrail"
CLOUDTRAIL_CONSOLE_SIGNIN = "AWS Console Sign In via CloudTrail"
CLOUDTRAIL_SERVICE_EVENT = "AWS Service Event via CloudTrail"
CLOUDTRAIL_CONSOLE_ACTION = "AWS Console Action via CloudTrail"
CLOUDTRAIL_INSIGHT = "AWS Insight via CloudTrail"
INSIGHT_EVENT_TYPE = "AwsCloudTrailInsight"
GUARDDUTY_FINDING = "GuardDuty Finding"
INVOCATION_LOG = "Bedrock Model Invocation Log"  # aidr's own detail-type, put on the aidr bus by the forwarder
AIDR_SOURCE = "aidr"

Envelope = dict[str, Any]


# CloudTrail eventType -> the detail-type EventBridge delivers it under (EventBridge user guide, "AWS service
# events delivered via AWS CloudTrail"); AwsApiCall and anything unknown are API calls.
_DETAIL_TYPES = {
    "AwsConsoleSignIn": CLOUDTRAIL_CONSOLE_SIGNIN,
    "AwsServiceEvent": CLOUDTRAIL_SERVICE_EVENT,
    "AwsConsoleAction": CLOUDTRAIL_CONSOLE_ACTION,
    INSIGHT_EVENT_TYPE: CLOUDTRAIL_INSIGHT,
}


def cloudtrail_detail_type(record: dict[str, Any]) -> str:
    et = record.get("eventType")
    return _DETAIL_TYPES.get(et, CLOUDTRAIL_API_CALL) if isinstance(et, str) else CLOUDTRAIL_API_CALL


_SOURCES: dict[str, str] = {}  # a few dozen services: replay asks once per record


def cloudtrail_source(event_source: object) -> str:
    """``bedrock.amazonaws.com`` -> ``aws.bedrock`` (what EventBridge puts in ``source``)."""
    if not isinstance(event_source, str) or not event_source:
        return "aws.unknown"
    source = _SOURCES.get(event_source)
    if source is None:
        source = "aws." + event_source.split(".", 1)[0]
        if len(_SOURCES) < 4096:
            _SOURCES[event_source] = source
    return source


def is_insight_record(obj: dict[str, Any]) -> bool:
    """A CloudTrail Insights event as a trail delivers it (``CloudTrail-Insight/`` folders).

    It has no top-level ``eventSource``/``eventName``: the API it is about is in ``insightDetails`` (CloudTrail
    user guide, "CloudTrail record contents for Insights events for trails").
    """
    return obj.get("eventType") == INSIGHT_EVENT_TYPE and isinstance(obj.get("insightDetails"), dict)


def wrap_cloudtrail(record: dict[str, Any]) -> Envelope:
    # An Insights event is CloudTrail's own: EventBridge delivers it under source aws.cloudtrail.
    source = "aws.cloudtrail" if is_insight_record(record) else cloudtrail_source(record.get("eventSource"))
    return {
        "version": "0",
        "id": record.get("eventID") or "",
        "detail-type": cloudtrail_detail_type(record),
        "source": source,
        "account": record.get("recipientAccountId") or "",
        "time": record.get("eventTime") or "",
        "region": record.get("awsRegion") or "",
        "resources": [],
        "detail": record,
    }


def wrap_guardduty(finding: dict[str, Any]) -> Envelope:
    """Wrap a camelCase GuardDuty finding (see :func:`aidr.normalize.guardduty.camelize`)."""
    return {
        "version": "0",
        "id": finding.get("id") or "",
        "detail-type": GUARDDUTY_FINDING,
        "source": "aws.guardduty",
        "account": finding.get("accountId") or "",
        "time": finding.get("updatedAt") or finding.get("createdAt") or "",
        "region": finding.get("region") or "",
        "resources": [],
        "detail": finding,
    }


def is_envelope(obj: dict[str, Any]) -> bool:
    return "detail-type" in obj and "source" in obj and isinstance(obj.get("detail"), dict)


def is_cloudtrail_record(obj: dict[str, Any]) -> bool:
    return ("eventSource" in obj and "eventName" in obj) or is_insight_record(obj)


def is_guardduty_finding(obj: dict[str, Any]) -> bool:
    keys = obj.keys()
    return ("schemaVersion" in keys or "SchemaVersion" in keys) and ("type" in keys or "Type" in keys)


def is_invocation_log(obj: dict[str, Any]) -> bool:
    return obj.get("schemaType") == "ModelInvocationLog"


def envelope_from_record(obj: Any) -> Envelope | None:
    """Turn any supported record into an envelope; None when the shape is not one aidr reads."""
    if not isinstance(obj, dict):
        return None
    if is_envelope(obj):
        if obj.get("source") == "aws.guardduty":
            detail = obj["detail"]
            if "SchemaVersion" in detail or "Type" in detail:
                return {**obj, "detail": camelize(detail)}
        return obj
    if is_cloudtrail_record(obj):
        return wrap_cloudtrail(obj)
    if is_guardduty_finding(obj):
        return wrap_guardduty(camelize(obj))
    if is_invocation_log(obj):
        # Routed as aidr's own event, exactly as the log forwarder puts it on the aidr bus.
        from .invocation import invocation_envelope

        return invocation_envelope(obj)
    return None
