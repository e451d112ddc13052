"""Bedrock model invocation logging deleted: the AI audit trail switched off."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...findings.model import Finding, Resource
from ...normalize.cloudtrail import ApiCall
from ..context import DetectContext
from ..patterns import api_calls
from ..registry import detector

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
    call = ApiCall(event["detail"])
    if call.error_code:  # a denied attempt changed nothing; the recon detectors see the intent
        return
    meta = detect.meta  # type: ignore[attr-defined]
    trusted = ctx.config.is_trusted(call.actor_arn) or ctx.config.is_trusted(call.actor_key)
    yield ctx.finding(
        meta,
        key=call.event_id or f"{call.actor_key}:{call.time}",
        description=(
            f"{call.actor_arn or call.actor_key} deleted the model invocation logging configuration in "
            f"{call.region}: Bedrock no longer records model inputs and outputs there."
        ),
        event_ids=[call.event_id],
        first_seen=call.time,
        account=call.account,
        region=call.region,
        principal=call.principal(),
        resources=[Resource(type="AWS::Bedrock::ModelInvocationLoggingConfiguration",
                            id=f"{call.account}/{call.region}")],
        evidence={**call.summary(), "trusted_principal": trusted},
        severity="medium" if trusted else None,
    )
