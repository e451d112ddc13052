"""Bedrock model invocation logging deleted: the AI audit trail switched off."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...findings.model import Finding, Resource
from ...normalize.cloudtrail import ApiCall
from ..audit.last_known import observe
from ..audit.tampering import event_key, event_ts, tamper_finding
from ..context import DetectContext
from ..patterns import api_calls
from ..registry import detector
from .logging_weakened import RESOURCE_TYPE, logging_state_key

FUNCTION = "DetectBedrockFunction"


@detector(
    id="bedrock.invocation_logging_deleted",
    title="Bedrock model invocation logging deleted",
    category="logging-tampering",
    severity="high",
    phase="foundational",
    techniques=["T1562.008"],
    playbook="restore-logging",
    function=FUNCTION,
    events=[api_calls("bedrock", ["DeleteModelInvocationLoggingConfiguration"])],
    description=(
        "DeleteModelInvocationLoggingConfiguration stops Bedrock from recording prompts and completions in the "
        "region: attackers do it before abusing models so their use leaves no content trail."
    ),
    false_positives=["Planned decommissioning of a region's Bedrock use by platform automation."],
    references=["https://docs.aws.amazon.com/bedrock/latest/userguide/model-invocation-logging.html"],
)
def detect(event: dict[str, Any], ctx: DetectContext) -> Iterator[Finding]:
    """Report a successful deletion and mark the last known configuration deleted (it stays for restore-logging).

    Known false positives: planned decommissioning of a region's Bedrock use.
    """
    call = ApiCall(event["detail"])
    if call.error_code:  # a denied attempt changed nothing; the recon detectors see the intent
        return
    meta = detect.meta  # type: ignore[attr-defined]
    obs = observe(ctx.state, logging_state_key(call.account, call.region), event_id=event_key(call),
                  ts=event_ts(ctx, call), update=lambda _prev: None, by=call.actor_arn)
    yield tamper_finding(
        meta, ctx, call,
        severity=meta.severity,
        description=(f"deleted the model invocation logging configuration in {call.region}: Bedrock no longer "
                     "records model inputs and outputs there."),
        resources=[Resource(type=RESOURCE_TYPE, id=f"{call.account}/{call.region}")],
        # restore-logging can put the previous configuration back only if aidr saw it.
        evidence={"last_known_configuration": obs.previous is not None},
    )
