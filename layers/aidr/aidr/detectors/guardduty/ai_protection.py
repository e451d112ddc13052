"""GuardDuty's AI threat findings, re-ranked: AI Protection's default to Low, which buries stolen keys used for
LLMjacking.

The finding types map to taxonomy categories (one detector each): the AI Protection types
``Impact:IAMUser/AnomalousModelInvocation`` and ``Impact:IAMUser/CostHarvesting`` -> model-abuse and
``Impact:IAMUser/PromptInjection.Direct`` -> prompt-injection; ``DefenseEvasion:IAMUser/BedrockLoggingDisabled``, a
foundational IAM finding type (default Medium, raised from CloudTrail management events without AI Protection) ->
logging-tampering. Each goes up one step per aggravating fact (root, an administrator-looking identity, calls from
outside AWS, repeats) and down one for a trusted principal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from ...findings.model import SEVERITY_ORDER, Finding
from ...normalize.guardduty import GuardDutyFinding
from ..context import DetectContext
from ..patterns import guardduty_findings
from ..registry import DetectorMeta, detector
from .ai_context import ai_link
from .triage import Rerank, admit, identity_context, principal_arn, report, severity_of_score
from .types import LOGGING_DISABLED_TYPES, MODEL_ABUSE_TYPES, PROMPT_INJECTION_TYPES

FUNCTION = "DetectGuardDutyFunction"
REFERENCES = ["https://docs.aws.amazon.com/guardduty/latest/ug/findings-ai-protection.html"]
AI_PROTECTION = "GuardDuty AI Protection"
COMMON_FALSE_POSITIVES = [
    "Load tests, model evaluations or new applications that change an identity's invocation pattern.",
    "Red-team exercises (GuardDuty cannot tell them apart; add their roles to trusted_principals).",
]


def _judge(meta: DetectorMeta, event: dict[str, Any], ctx: DetectContext, what: str, floor: str = "informational",
           extra: Callable[[GuardDutyFinding, Rerank], None] | None = None,
           source: str = AI_PROTECTION) -> Iterator[Finding]:
    f = admit(event, ctx, meta.category)
    if f is None:
        return
    base: str = severity_of_score(f.severity_score)
    if SEVERITY_ORDER[base] < SEVERITY_ORDER[floor]:
        base = floor
    rerank = identity_context(f, ctx)
    if extra:
        extra(f, rerank)
    who = principal_arn(f) or f.access_key_id or "an unknown identity"
    yield report(
        meta, ctx, f,
        severity=rerank.apply(base),
        description=f"{source}: {who} {what} ({f.type}, count {f.count}).",
        link=ai_link(f, ctx.config),
        context=rerank.reasons,
    )


@detector(
    id="guardduty.ai_model_abuse",
    title="GuardDuty: anomalous or cost-harvesting model invocation",
    category="model-abuse",
    severity="medium",
    phase="foundational",
    techniques=["AML.T0034", "AML.T0040"],
    playbook="revoke-principal",
    function=FUNCTION,
    events=[guardduty_findings(type=list(MODEL_ABUSE_TYPES))],
    description="GuardDuty AI Protection saw models invoked in an anomalous way or at a cost-harvesting rate.",
    false_positives=COMMON_FALSE_POSITIVES,
    references=REFERENCES,
)
def detect_model_abuse(event: dict[str, Any], ctx: DetectContext) -> Iterator[Finding]:
    """Re-rank AnomalousModelInvocation / CostHarvesting (default Low) by who invoked and from where.

    Known false positives: load tests, model evaluations, new applications, red-team exercises.
    """
    yield from _judge(detect_model_abuse.meta, event, ctx,  # type: ignore[attr-defined]
                      "invoked models anomalously or at a cost-harvesting rate")


@detector(
    id="guardduty.ai_prompt_injection",
    title="GuardDuty: direct prompt injection",
    category="prompt-injection",
    severity="medium",
    phase="foundational",
    techniques=["AML.T0051"],
    function=FUNCTION,
    events=[guardduty_findings(type=list(PROMPT_INJECTION_TYPES))],
    description="GuardDuty AI Protection saw direct prompt-injection attempts that a Bedrock guardrail stopped.",
    false_positives=[*COMMON_FALSE_POSITIVES, "Guardrail tuning with adversarial test prompts."],
    references=REFERENCES,
)
def detect_prompt_injection(event: dict[str, Any], ctx: DetectContext) -> Iterator[Finding]:
    """Re-rank PromptInjection.Direct (default Low) by who sent the prompts and from where.

    Known false positives: guardrail tuning with adversarial prompts, red-team exercises.
    """
    yield from _judge(detect_prompt_injection.meta, event, ctx,  # type: ignore[attr-defined]
                      "sent prompts that a guardrail flagged as prompt attacks", extra=_not_blocked)


def _not_blocked(f: GuardDutyFinding, rerank: Rerank) -> None:
    """A guardrail in detect mode (filter action NONE) let the attack reach the model."""
    filters = f.guardrail_details.get("contentPolicyFilters") or []
    rerank.up("the guardrail only detected it (action NONE): the prompt reached the model",
              any(isinstance(c, dict) and c.get("action") == "NONE" for c in filters))


@detector(
    id="guardduty.bedrock_logging_disabled",
    title="GuardDuty: Bedrock invocation logging disabled",
    category="logging-tampering",
    severity="medium",
    phase="foundational",
    techniques=["T1562.008"],
    playbook="restore-logging",
    function=FUNCTION,
    events=[guardduty_findings(type=list(LOGGING_DISABLED_TYPES))],
    description=(
        "GuardDuty's DefenseEvasion:IAMUser/BedrockLoggingDisabled, a foundational IAM finding type (default Medium; "
        "no AI Protection needed): Bedrock model invocation logging was disabled, which can hide data exfiltration "
        "or model abuse."
    ),
    false_positives=["Planned decommissioning of a region's Bedrock use by platform automation."],
    references=["https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_finding-types-iam.html"],
)
def detect_logging_disabled(event: dict[str, Any], ctx: DetectContext) -> Iterator[Finding]:
    """Report BedrockLoggingDisabled (GuardDuty default Medium) at medium or above: disabling the AI audit trail is
    never routine.

    Known false positives: planned decommissioning by platform automation.
    """
    yield from _judge(detect_logging_disabled.meta, event, ctx,  # type: ignore[attr-defined]
                      "disabled Bedrock model invocation logging", floor="medium", source="GuardDuty")
