"""Any other GuardDuty finding on an AI resource: notebook or endpoint hosts, training-data buckets, agent Lambdas,
AI-tagged instances and containers. Findings on other resources produce nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...findings.model import Finding
from ..context import DetectContext
from ..patterns import guardduty_findings
from ..registry import detector
from .ai_context import ai_link
from .triage import Rerank, admit, report, severity_of_score

FUNCTION = "DetectGuardDutyFunction"


def _playbook(resource_type: str, protected_bucket: bool) -> str | None:
    """Containment that fits the resource: quarantine a protected bucket; others need a person first."""
    if resource_type == "S3Bucket" and protected_bucket:
        return "quarantine-bucket"
    return None


@detector(
    id="guardduty.ai_resource_threat",
    title="GuardDuty finding on an AI resource",
    category="ai-resource-threat",
    severity="medium",
    phase="foundational",
    techniques=[],
    function=FUNCTION,
    events=[guardduty_findings()],
    description=(
        "GuardDuty findings other than AI Protection and compromised credentials (malware, runtime, network, S3 "
        "and Kubernetes threats) whose resource is tied to AI workloads by tag (ai_resource_tags), by "
        "protected_data_buckets, by Bedrock/SageMaker API calls, or by an AI role or function name."
    ),
    false_positives=[
        "Name-only links (a role or function whose name mentions SageMaker or Bedrock): reported one step lower.",
        "Threat-intelligence hits on shared egress addresses used by training jobs.",
    ],
    references=["https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_finding-types-active.html"],
)
def detect(event: dict[str, Any], ctx: DetectContext) -> Iterator[Finding]:
    """Keep GuardDuty's severity for findings on AI resources, one step lower when only a name ties them to AI.

    Known false positives: name-only links, threat-intel hits on shared egress.
    """
    f = admit(event, ctx, "ai-resource-threat")
    if f is None:
        return
    link = ai_link(f, ctx.config)
    if not link.linked:
        return
    rerank = Rerank()
    name_only = all(r.startswith("AI workload name") for r in link.reasons)
    rerank.down("only a name ties it to AI", name_only)
    protected = any(r.startswith("protected data bucket") for r in link.reasons)
    yield report(
        detect.meta,  # type: ignore[attr-defined]
        ctx, f,
        severity=rerank.apply(severity_of_score(f.severity_score)),
        description=f"GuardDuty reports {f.type} on an AI resource ({'; '.join(link.reasons)}): {f.title}",
        link=link,
        context=rerank.reasons,
        playbook=_playbook(f.resource_type, protected),
    )
