"""CloudTrail stopped: a trail stopped or deleted, an event data store deleted or its ingestion stopped."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...findings.model import Finding, Resource
from ...normalize.cloudtrail import ApiCall
from ..context import DetectContext
from ..patterns import api_calls
from ..registry import detector
from .tampering import tamper_finding
from .trail_weakened import trail_arn

FUNCTION = "DetectAuditFunction"
# event name -> (what it does, whether it names an event data store rather than a trail)
EVENTS: dict[str, tuple[str, bool]] = {
    "StopLogging": ("stopped logging on trail", False),
    "DeleteTrail": ("deleted trail", False),
    "DeleteEventDataStore": ("deleted event data store", True),
    "StopEventDataStoreIngestion": ("stopped ingestion into event data store", True),
}


@detector(
    id="cloudtrail.logging_stopped",
    title="CloudTrail logging stopped or deleted",
    category="logging-tampering",
    severity="high",
    phase="foundational",
    techniques=["T1562.008"],
    function=FUNCTION,
    events=[api_calls("cloudtrail", sorted(EVENTS))],
    description=(
        "StopLogging, DeleteTrail, DeleteEventDataStore or StopEventDataStoreIngestion: the account's audit trail, "
        "which records every Bedrock and SageMaker control-plane call, stops. Attackers do it first so that key "
        "validation, model access grants and invocations leave no record."
    ),
    false_positives=[
        "Decommissioning a per-account trail after moving to an organization trail.",
        "Short maintenance windows run by the platform team (add its role to trusted_principals).",
    ],
    references=[
        "https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_StopLogging.html",
        "https://stratus-red-team.cloud/attack-techniques/AWS/aws.defense-evasion.cloudtrail-stop/",
        "https://stratus-red-team.cloud/attack-techniques/AWS/aws.defense-evasion.cloudtrail-delete/",
    ],
)
def detect(event: dict[str, Any], ctx: DetectContext) -> Iterator[Finding]:
    """Report every successful stop or deletion of a trail or event data store.

    Known false positives: trail consolidation into an organization trail, planned maintenance.
    """
    call = ApiCall(event["detail"])
    if call.error_code:  # refused: the trail still logs
        return
    what, is_store = EVENTS[call.event_name]
    rp = call.request_parameters
    if is_store:
        rid, rtype = str(rp.get("eventDataStore") or ""), "AWS::CloudTrail::EventDataStore"
    else:
        rid, rtype = trail_arn(call, rp.get("name")), "AWS::CloudTrail::Trail"
    yield tamper_finding(
        detect.meta,  # type: ignore[attr-defined]
        ctx, call,
        severity="high",
        description=f"{what} {rid.rsplit('/', 1)[-1]} in {call.region}: its API activity is no longer recorded.",
        resources=[Resource(type=rtype, id=rid)] if rid else [],
    )
