"""The GuardDuty finding types aidr reads, and which detector (and category) owns each.

Every finding type has exactly one owner, so one GuardDuty finding is judged (and, if it is a console sample or
archived, counted as dropped) exactly once.

Examples
--------
>>> owner("Impact:IAMUser/CostHarvesting")
'model-abuse'
>>> owner("Discovery:IAMUser/AnomalousBehavior")
'credential-compromise'
>>> owner("UnauthorizedAccess:IAMUser/ResourceCredentialExfiltration.OutsideAWS")
'credential-compromise'
>>> owner("Trojan:EC2/BlackholeTraffic!DNS")
'ai-resource-threat'
>>> DEFAULT_SEVERITY["DefenseEvasion:IAMUser/BedrockLoggingDisabled"]  # Medium
5.0
"""

from __future__ import annotations

from typing import Any

from ..patterns import guardduty_findings

# AI Protection (GuardDuty user guide, "AI Protection finding types"); all default to Low severity.
MODEL_ABUSE_TYPES = ("Impact:IAMUser/AnomalousModelInvocation", "Impact:IAMUser/CostHarvesting")
PROMPT_INJECTION_TYPES = ("Impact:IAMUser/PromptInjection.Direct",)
AI_PROTECTION_TYPES = (*MODEL_ABUSE_TYPES, *PROMPT_INJECTION_TYPES)
# Not an AI Protection type: a foundational IAM finding type ("GuardDuty IAM finding types", default Medium) that
# GuardDuty raises from CloudTrail management events whether or not AI Protection is on.
LOGGING_DISABLED_TYPES = ("DefenseEvasion:IAMUser/BedrockLoggingDisabled",)
# Every AI-specific finding type aidr reads.
AI_FINDING_TYPES = (*AI_PROTECTION_TYPES, *LOGGING_DISABLED_TYPES)

# Compromised-credential families: reported only when the principal or resource is tied to AI workloads.
CREDENTIAL_EXFILTRATION_PREFIXES = (
    "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.",  # EC2 instance credentials
    "UnauthorizedAccess:IAMUser/ResourceCredentialExfiltration.",  # Lambda function / ECS task credentials
)
ANOMALOUS_BEHAVIOR_SUFFIX = ":IAMUser/AnomalousBehavior"
ATTACK_SEQUENCE_PREFIX = "AttackSequence:"

# GuardDuty's severity bands (Low 1.0-3.9, Medium 4.0-6.9, High 7.0-8.9, Critical 9.0-10.0): one value per band
# stands for a type's documented default severity.
LOW, MEDIUM, HIGH, CRITICAL = 2.0, 5.0, 8.0, 9.0

# Concrete members of those families with their default severity (GuardDuty user guide: "GuardDuty IAM finding
# types", "GuardDuty attack sequence finding types"), used to tell what a suppression filter hides.
CREDENTIAL_DEFAULT_SEVERITY: dict[str, float] = {
    "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS": HIGH,
    # High; Medium when the calling account is affiliated with yours (remoteAccountDetails.affiliated).
    "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.InsideAWS": HIGH,
    "UnauthorizedAccess:IAMUser/ResourceCredentialExfiltration.OutsideAWS": HIGH,  # a Lambda function or ECS task
    "UnauthorizedAccess:IAMUser/ResourceCredentialExfiltration.InsideAWS": HIGH,  # an ECS task only
    "CredentialAccess:IAMUser/AnomalousBehavior": MEDIUM,
    "DefenseEvasion:IAMUser/AnomalousBehavior": MEDIUM,
    "Discovery:IAMUser/AnomalousBehavior": LOW,
    "Exfiltration:IAMUser/AnomalousBehavior": HIGH,
    "Impact:IAMUser/AnomalousBehavior": HIGH,
    "InitialAccess:IAMUser/AnomalousBehavior": MEDIUM,
    "Persistence:IAMUser/AnomalousBehavior": MEDIUM,
    "PrivilegeEscalation:IAMUser/AnomalousBehavior": MEDIUM,
    "AttackSequence:IAM/CompromisedCredentials": CRITICAL,
    "AttackSequence:S3/CompromisedData": CRITICAL,
    "AttackSequence:EC2/CompromisedInstanceGroup": CRITICAL,
    "AttackSequence:ECS/CompromisedCluster": CRITICAL,
    "AttackSequence:EKS/CompromisedCluster": CRITICAL,
}
CREDENTIAL_TYPES = tuple(CREDENTIAL_DEFAULT_SEVERITY)

# Default severity of every type a suppression filter is judged against.
DEFAULT_SEVERITY: dict[str, float] = {
    **dict.fromkeys(AI_PROTECTION_TYPES, LOW),
    **dict.fromkeys(LOGGING_DISABLED_TYPES, MEDIUM),
    **CREDENTIAL_DEFAULT_SEVERITY,
}


def is_credential_type(finding_type: str) -> bool:
    return (finding_type.startswith((*CREDENTIAL_EXFILTRATION_PREFIXES, ATTACK_SEQUENCE_PREFIX))
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
    return guardduty_findings(type=[*({"prefix": p} for p in CREDENTIAL_EXFILTRATION_PREFIXES),
                                    {"prefix": ATTACK_SEQUENCE_PREFIX}, {"suffix": ANOMALOUS_BEHAVIOR_SUFFIX}])
