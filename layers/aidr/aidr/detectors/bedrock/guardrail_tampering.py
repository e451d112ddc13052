"""Bedrock guardrail tampering: guardrails deleted or weakened, account-level enforcement removed or replaced.

What CloudTrail records decides how far each call can be judged:

- ``DeleteGuardrail`` names the guardrail (``guardrailIdentifier``) and, for a single version, ``guardrailVersion``.
- ``UpdateGuardrail`` hides the new configuration: ``name`` reads ``HIDDEN_DUE_TO_SECURITY_REASONS`` and the policy
  configs are not recorded, so an update is reported low unless a ``contentPolicyConfig`` *is* recorded and shows a
  weakening (no ``PROMPT_ATTACK`` filter, an input strength of NONE/LOW, input filtering disabled or set to detect).
- ``DeleteEnforcedGuardrailConfiguration`` (``configId``) removes an account-wide enforced guardrail;
  ``PutEnforcedGuardrailConfiguration`` with a ``configId`` replaces one (``guardrailInferenceConfig``).
- ``DeleteAutomatedReasoningPolicy`` / ``UpdateAutomatedReasoningPolicy`` change Automated Reasoning checks.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...findings.model import Finding, Resource
from ...normalize.cloudtrail import ApiCall
from ..audit.tampering import Weakness, as_bool, tamper_finding, worst
from ..context import DetectContext
from ..patterns import api_calls
from ..registry import detector

FUNCTION = "DetectBedrockFunction"
EVENTS = [
    "DeleteGuardrail",
    "UpdateGuardrail",
    "DeleteEnforcedGuardrailConfiguration",
    "PutEnforcedGuardrailConfiguration",
    "DeleteAutomatedReasoningPolicy",
    "UpdateAutomatedReasoningPolicy",
]
_WEAK_STRENGTHS = {"NONE", "LOW"}


def content_policy_weaknesses(policy: Any) -> list[Weakness]:
    """Weaknesses visible in a recorded ``contentPolicyConfig`` (empty when it was not recorded).

    Examples
    --------
    >>> [w.code for w in content_policy_weaknesses({"filtersConfig": [{"type": "HATE", "inputStrength": "HIGH"}]})]
    ['prompt_attack_filter_missing']
    >>> content_policy_weaknesses("HIDDEN_DUE_TO_SECURITY_REASONS")
    []
    """
    if not isinstance(policy, dict) or not isinstance(policy.get("filtersConfig"), list):
        return []
    filters = {f.get("type"): f for f in policy["filtersConfig"] if isinstance(f, dict)}
    out: list[Weakness] = []
    attack = filters.get("PROMPT_ATTACK")
    if attack is None:
        out.append(Weakness("prompt_attack_filter_missing", "high", "no PROMPT_ATTACK content filter"))
    else:
        if attack.get("inputStrength") in _WEAK_STRENGTHS:
            out.append(Weakness("prompt_attack_strength_lowered", "high",
                                f"PROMPT_ATTACK input strength {attack.get('inputStrength')}"))
        if as_bool(attack.get("inputEnabled")) is False or attack.get("inputAction") == "NONE":
            out.append(Weakness("prompt_attack_not_enforced", "high",
                                "PROMPT_ATTACK filter no longer blocks input (disabled or detect-only)"))
    weak = sorted(t for t, f in filters.items() if t != "PROMPT_ATTACK" and isinstance(t, str)
                  and f.get("inputStrength") == "NONE" and f.get("outputStrength") == "NONE")
    if weak:
        out.append(Weakness("content_filters_off", "medium", f"content filters set to NONE: {', '.join(weak)}"))
    return out


def _judge(call: ApiCall) -> tuple[str, str, list[Weakness]] | None:
    """(severity, what happened, weaknesses) for one successful call; None when it is not tampering."""
    rp = call.request_parameters
    name = call.event_name
    if name == "DeleteGuardrail":
        version = rp.get("guardrailVersion")
        if version:
            return "medium", f"deleted version {version} of guardrail {rp.get('guardrailIdentifier')}", []
        return "high", f"deleted guardrail {rp.get('guardrailIdentifier')} and all its versions", []
    if name == "UpdateGuardrail":
        found = content_policy_weaknesses(rp.get("contentPolicyConfig"))
        what = f"updated guardrail {rp.get('guardrailIdentifier')}"
        if found:
            return worst(w.severity for w in found), f"{what}: {'; '.join(w.reason for w in found)}", found
        # CloudTrail hides the new configuration: a change to a safety control that cannot be judged.
        return "low", f"{what}; CloudTrail hides the new configuration, so aidr cannot judge it", []
    if name == "DeleteEnforcedGuardrailConfiguration":
        return "high", f"deleted the account's enforced guardrail configuration {rp.get('configId')}", []
    if name == "PutEnforcedGuardrailConfiguration":
        inference = rp.get("guardrailInferenceConfig") if isinstance(rp.get("guardrailInferenceConfig"), dict) else {}
        target = f"guardrail {inference.get('guardrailIdentifier')} version {inference.get('guardrailVersion')}"
        if rp.get("configId"):
            return "medium", f"replaced enforced guardrail configuration {rp.get('configId')} with {target}", []
        return "low", f"added an enforced guardrail configuration ({target})", []
    if name == "DeleteAutomatedReasoningPolicy":
        return "medium", f"deleted Automated Reasoning policy {rp.get('policyArn')}", []
    if name == "UpdateAutomatedReasoningPolicy":
        return "low", f"changed the definition of Automated Reasoning policy {rp.get('policyArn')}", []
    return None


def _resource(call: ApiCall) -> list[Resource]:
    rp = call.request_parameters
    if call.event_name.endswith("AutomatedReasoningPolicy"):
        return call.resource("AWS::Bedrock::AutomatedReasoningPolicy", rp.get("policyArn"))
    if "Enforced" in call.event_name:
        return [Resource(type="AWS::Bedrock::EnforcedGuardrailConfiguration",
                         id=str(rp.get("configId") or f"{call.account}/{call.region}"))]
    arn = call.response_elements.get("guardrailArn")
    return call.resource("AWS::Bedrock::Guardrail", arn if isinstance(arn, str) else rp.get("guardrailIdentifier"))


@detector(
    id="bedrock.guardrail_tampering",
    title="Bedrock guardrail deleted or weakened",
    category="guardrail-tampering",
    severity="high",
    phase="foundational",
    techniques=["T1562.001"],
    function=FUNCTION,
    events=[api_calls("bedrock", EVENTS)],
    description=(
        "Guardrails, account-level enforced guardrails and Automated Reasoning policies deleted or changed. Removing "
        "the guardrail (or the PROMPT_ATTACK filter) lets prompt injection and harmful content through unseen."
    ),
    false_positives=[
        "Guardrail lifecycle in development accounts (create, test, delete).",
        "Infrastructure-as-code replacing a guardrail (delete + create) during a deployment: add the pipeline's role "
        "to trusted_principals.",
        "Routine guardrail updates: CloudTrail hides their content, so every update is reported low.",
    ],
    references=[
        "https://docs.aws.amazon.com/bedrock/latest/userguide/logging-using-cloudtrail.html",
        "https://docs.aws.amazon.com/bedrock/latest/APIReference/API_UpdateGuardrail.html",
    ],
)
def detect(event: dict[str, Any], ctx: DetectContext) -> Iterator[Finding]:
    """Report guardrail deletions and weakenings; updates whose content CloudTrail hides are reported low.

    Known false positives: guardrail lifecycle in development accounts, IaC replacements, routine updates.
    """
    call = ApiCall(event["detail"])
    if call.error_code:  # refused: nothing changed
        return
    judged = _judge(call)
    if judged is None:
        return
    severity, what, found = judged
    meta = detect.meta  # type: ignore[attr-defined]
    yield tamper_finding(
        meta, ctx, call,
        severity=severity,
        description=f"{what} in {call.region}.",
        resources=_resource(call),
        evidence={"weaknesses": [w.code for w in found]} if found else None,
    )
