"""Shared by the GuardDuty finding detectors: admit a finding once, re-rank its severity with context, and turn it
into an aidr finding whose ``event_ids`` is the GuardDuty finding id (so updates of one finding merge).

Examples
--------
>>> severity_of_score(2.0), severity_of_score(5), severity_of_score(8.0), severity_of_score(9.0)
('low', 'medium', 'high', 'critical')
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ...findings.model import Finding, Principal, Resource, Severity, lower_severity, raise_severity
from ...normalize.guardduty import GuardDutyFinding
from ..context import DetectContext
from ..registry import DetectorMeta
from .ai_context import AiLink
from .types import owner

# Distinct GuardDuty findings on one principal within this window count as repeated activity.
REPEAT_WINDOW_SECONDS = 24 * 3600


def admit(event: dict[str, Any], ctx: DetectContext, category: str) -> GuardDutyFinding | None:
    """The finding if ``category``'s detector owns its type and it is live; samples and archived ones are counted."""
    f = GuardDutyFinding(event["detail"])
    if owner(f.type) != category:
        return None
    if f.is_sample:
        ctx.counters["dropped:guardduty sample finding"] += 1
        return None
    if f.archived:
        ctx.counters["dropped:guardduty archived finding"] += 1
        return None
    return f


def severity_of_score(score: float) -> Severity:
    """GuardDuty's bands: Low 1.0-3.9, Medium 4.0-6.9, High 7.0-8.9, Critical 9.0-10.0."""
    if score >= 9:
        return "critical"
    if score >= 7:
        return "high"
    if score >= 4:
        return "medium"
    return "low"


def principal_arn(f: GuardDutyFinding) -> str | None:
    """The IAM ARN behind ``resource.accessKeyDetails`` (GuardDuty gives the role name for assumed roles)."""
    name, account = f.user_name, f.account
    if f.user_type == "Root" and account:
        return f"arn:aws:iam::{account}:root"
    if not name or not account:
        return None
    kind = {"IAMUser": "user", "AssumedRole": "role", "Role": "role"}.get(f.user_type or "")
    return f"arn:aws:iam::{account}:{kind}/{name}" if kind else None


def principal(f: GuardDutyFinding) -> Principal | None:
    arn = principal_arn(f)
    pid = f.access_key_details.get("principalId")
    if not arn and not f.access_key_id and not pid:
        return None
    return Principal(arn=arn or (pid if isinstance(pid, str) else None), type=f.user_type,
                     access_key_id=f.access_key_id)


def from_outside_aws(f: GuardDutyFinding) -> bool:
    """The API calls came from an address outside AWS (not an AWS service, not an Amazon network)."""
    return f.caller_type == "Remote IP" and "amazon" not in f.remote_organization.lower()


@dataclass
class Rerank:
    """Severity steps from context, each with its reason (kept as evidence)."""

    steps: int = 0
    reasons: list[str] = field(default_factory=list)

    def up(self, reason: str, when: bool) -> None:
        if when:
            self.steps += 1
            self.reasons.append(f"+ {reason}")

    def down(self, reason: str, when: bool) -> None:
        if when:
            self.steps -= 1
            self.reasons.append(f"- {reason}")

    def apply(self, severity: str) -> str:
        if self.steps > 0:
            return raise_severity(severity, self.steps)
        return lower_severity(severity, -self.steps)


def identity_context(f: GuardDutyFinding, ctx: DetectContext) -> Rerank:
    """Who acted and how often: root, admin-looking names, calls from outside AWS, repeats, trusted principals."""
    r = Rerank()
    name = (f.user_name or "").lower()
    r.up("root user", f.user_type == "Root")
    r.up("administrator-looking identity", "admin" in name)
    # ...InstanceCredentialExfiltration.OutsideAWS says so in its type (and severity) already.
    r.up(f"called from outside AWS ({f.remote_ip or 'remote IP'})",
         from_outside_aws(f) and not f.type.endswith("OutsideAWS"))
    r.up("repeated", f.count > 1 or repeated(f, ctx))
    r.down("trusted principal", ctx.config.is_trusted(principal_arn(f)))
    return r


def repeated(f: GuardDutyFinding, ctx: DetectContext) -> bool:
    """Another AI-related GuardDuty finding on the same principal within a day (either side: delivery is unordered)."""
    who = principal_arn(f) or f.access_key_id
    if not who or not f.id:
        return False
    t = ctx.when(f.last_seen or f.first_seen)
    seen = ctx.state.window_count(f"guardduty-ai:{f.account}:{who}", f.id, t.timestamp(), REPEAT_WINDOW_SECONDS)
    return len({m.member for m in seen}) > 1


def resources(f: GuardDutyFinding) -> list[Resource]:
    out: list[Resource] = []
    if f.access_key_id:
        out.append(Resource(type="AWS::IAM::AccessKey", id=f.access_key_id))
    instance = f.resource.get("instanceDetails")
    if isinstance(instance, dict) and isinstance(instance.get("instanceId"), str):
        out.append(Resource(type="AWS::EC2::Instance", id=instance["instanceId"]))
    out += [Resource(type="AWS::S3::Bucket", id=str(b["name"])) for b in f.buckets if b.get("name")]
    out += [Resource(type="AWS::Bedrock::Model", id=m) for m in dict.fromkeys(f.model_ids)]
    guardrails = [f.guardrail_details.get("guardrailArn")]
    guardrails += [g.get("arn") for g in f.guardrail_details.get("guardrails") or [] if isinstance(g, dict)]
    out += [Resource(type="AWS::Bedrock::Guardrail", id=g) for g in dict.fromkeys(guardrails) if isinstance(g, str)]
    out += [Resource(type=f"GuardDuty::{r.get('resourceType') or 'Resource'}", id=str(r["uid"]))
            for r in f.sequence_resources if r.get("uid")]
    return out


def report(
    meta: DetectorMeta,
    ctx: DetectContext,
    f: GuardDutyFinding,
    *,
    severity: str,
    description: str,
    link: AiLink | None = None,
    context: Iterable[str] = (),
    playbook: str | None = "__meta__",
) -> Finding:
    """The aidr finding for one GuardDuty finding: keyed by its id, citing its id, evidence without request data."""
    evidence: dict[str, Any] = {
        "guardduty_type": f.type,
        "guardduty_severity": f.severity_score,
        "guardduty_count": f.count,
        "guardduty_finding_arn": f.raw.get("arn"),
        "context": list(context),
    }
    if link is not None:
        evidence["ai_link"] = link.reasons
    evidence |= {k: v for k, v in (("api", f.api_name), ("service_name", f.api_service_name),
                                   ("caller_type", f.caller_type), ("remote_ip", f.remote_ip),
                                   ("remote_organization", f.remote_organization or None),
                                   ("feature", f.feature_name or None)) if v}
    return ctx.finding(
        meta,
        key=f.id or f"{f.type}:{f.account}:{f.region}",
        description=description,
        event_ids=[f.id],
        first_seen=f.first_seen,
        last_seen=f.last_seen,
        account=f.account,
        region=f.region,
        principal=principal(f),
        resources=resources(f),
        evidence=evidence,
        severity=severity,
        playbook=playbook,
    )
