"""The GuardDuty finding types aidr reads, and which detector (and category) owns each.

Every finding type has exactly one owner, so one GuardDuty finding is judged (and, if it is a console sample or
archived, counted as dropped) exactly once.

Examples
--------
>>> owner("Impact:IAMUser/CostHarvesting")
'model-abuse'
>>> owner("Discovery:IAMUser/AnomalousBehavior")
'credential-compromise'
>>> owner("Trojan:EC2/BlackholeTraffic!DNS")
'ai-resource-threat'
"""

from __future__ import annotations

from typing import Any

from ..patterns import guardduty_findings

# AI Protection (GuardDuty user guide, "AI Protection finding types"); all default to Low severity.
MODEL_ABUSE_TYPES = ("Impact:IAMUser/AnomalousModelInvocation", "Impact:IAMUser/CostHarvesting")
PROMPT_INJECTION_TYPES = ("Impact:IAMUser/PromptInjection.Direct",)
LOGGING_DISABLED_TYPES = ("DefenseEvasion:IAMUser/BedrockLoggingDisabled",)
AI_PROTECTION_TYPES = (*MODEL_ABUSE_TYPES, *PROMPT_INJECTION_TYPES, *LOGGING_DISABLED_TYPES)

# Compromised-credential families: reported only when the principal or resource is tied to AI workloads.
CREDENTIAL_EXFILTRATION_PREFIX = "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration."
ANOMALOUS_BEHAVIOR_SUFFIX = ":IAMUser/AnomalousBehavior"
ATTACK_SEQUENCE_PREFIX = "AttackSequence:"

# Concrete members of those families (GuardDuty user guide), used to tell what a suppression filter hides.
CREDENTIAL_TYPES = (
    "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS",
    "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.InsideAWS",
    *(f"{tactic}{ANOMALOUS_BEHAVIOR_SUFFIX}" for tactic in (
        "CredentialAccess", "DefenseEvasion", "Discovery", "Exfiltration", "Impact", "InitialAccess", "Persistence",
        "PrivilegeEscalation")),
    "AttackSequence:IAM/CompromisedCredentials",
    "AttackSequence:S3/CompromisedData",
    "AttackSequence:EC2/CompromisedInstanceGroup",
    "AttackSequence:ECS/CompromisedCluster",
    "AttackSequence:EKS/CompromisedCluster",
)


def is_credential_type(finding_type: str) -> bool:
    return (finding_type.startswith((CREDENTIAL_EXFILTRATION_PREFIX, ATTACK_SEQUENCE_PREFIX))
            or finding_type.endswith(ANOMALOUS_BEHAVIOR_SUFFIX))


def owner(finding_type: str) -> str:
    """The category whose detector owns ``finding_type``."""
    if finding_type in MODEL_ABUSE_TYPES:
        return "model-abuse"
    if finding_type in PROMPT_INJECTION_TYPES:
        return "prompt-injection"
    if finding_type in LOGGING_DISABLED_TYPES:
        return "logging-tampering"
    if is_credential_type(finding_type):
        return "credential-compromise"
    return "ai-resource-threat"


def credential_findings() -> dict[str, Any]:
    """EventBridge pattern for the credential families (mirrors :func:`is_credential_type`)."""
    return guardduty_findings(type=[{"prefix": CREDENTIAL_EXFILTRATION_PREFIX}, {"prefix": ATTACK_SEQUENCE_PREFIX},
                                    {"suffix": ANOMALOUS_BEHAVIOR_SUFFIX}])
