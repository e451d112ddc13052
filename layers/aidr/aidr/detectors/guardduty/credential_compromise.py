"""GuardDuty compromised-credential findings that reach AI workloads.

Credential exfiltration (``UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.*``), IAM anomalous behaviour
(``*:IAMUser/AnomalousBehavior``) and attack sequences (``AttackSequence:*``) are reported only when the principal or
resource is tied to AI workloads (see :mod:`aidr.detectors.guardduty.ai_context`); the rest is GuardDuty's own
business and produces nothing here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...findings.model import Finding
from ..context import DetectContext
from ..registry import detector
from .ai_context import ai_link
from .triage import admit, identity_context, principal_arn, report, severity_of_score
from .types import credential_findings

FUNCTION = "DetectGuardDutyFunction"


@detector(
    id="guardduty.credential_compromise",
    title="GuardDuty: compromised credentials reach AI workloads",
    category="credential-compromise",
    severity="high",
    phase="foundational",
    techniques=["T1552.005", "T1078.004"],
    playbook="revoke-principal",
    function=FUNCTION,
    events=[credential_findings()],
    description=(
        "A GuardDuty credential-exfiltration, IAM anomalous-behaviour or attack-sequence finding whose principal or "
        "resources are AI-related: Bedrock or SageMaker API calls, models, guardrails, protected training data, "
        "AI-tagged resources or AI execution roles."
    ),
    false_positives=[
        "Instance credentials used from a second network the owner controls (VPN egress, a NAT in another account).",
        "Indirect links only (a tag or a role name mentioning SageMaker/Bedrock) on activity unrelated to AI.",
    ],
    references=[
        "https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_finding-types-iam.html",
        "https://docs.aws.amazon.com/guardduty/latest/ug/guardduty-attack-sequence-finding-types.html",
    ],
)
def detect(event: dict[str, Any], ctx: DetectContext) -> Iterator[Finding]:
    """Report credential findings tied to AI workloads; a direct tie (AI API calls, models, protected data) raises
    GuardDuty's severity one step, an indirect one (tags, names) keeps it.

    Known false positives: second egress networks for instance credentials, indirect name/tag links.
    """
    f = admit(event, ctx, "credential-compromise")
    if f is None:
        return
    link = ai_link(f, ctx.config)
    if not link.linked:
        return
    rerank = identity_context(f, ctx)
    rerank.up("direct AI link", link.direct)
    who = principal_arn(f) or f.access_key_id or "an identity"
    yield report(
        detect.meta,  # type: ignore[attr-defined]
        ctx, f,
        severity=rerank.apply(severity_of_score(f.severity_score)),
        description=f"GuardDuty reports {f.type} for {who}, which reaches AI workloads ({'; '.join(link.reasons)}).",
        link=link,
        context=rerank.reasons,
    )
