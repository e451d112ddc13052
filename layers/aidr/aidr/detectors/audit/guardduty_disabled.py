"""GuardDuty monitoring disabled: the detector deleted or suspended, protection plans (AI Protection above all)
turned off, the account cut from its administrator, member monitoring or finding export stopped.

UpdateDetector is a partial update (``enable``, ``features: [{name, status, additionalConfiguration}]``,
``dataSources``): each detector's settings are kept in state, so a plan switched off is told from one re-sent as
off by infrastructure-as-code on every apply.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...findings.model import Finding, Resource
from ...normalize.cloudtrail import ApiCall
from ..context import DetectContext
from ..patterns import api_calls
from ..registry import detector
from .last_known import merge_settings, observe
from .tampering import (
    Weakness,
    as_bool,
    event_key,
    event_ts,
    introduced_settings,
    tamper_finding,
    weakening_finding,
)

FUNCTION = "DetectAuditFunction"
RESOURCE_TYPE = "AWS::GuardDuty::Detector"
# One-shot calls: event name -> (severity, what it does).
ONE_SHOT: dict[str, tuple[str, str]] = {
    "DeleteDetector": ("high", "deleted the GuardDuty detector (all findings, AI Protection included, stop)"),
    "DisassociateFromAdministratorAccount": (
        "high", "disassociated the account from its GuardDuty administrator (the security account stops seeing "
                "its findings)"),
    "DisassociateFromMasterAccount": (
        "high", "disassociated the account from its GuardDuty administrator (the security account stops seeing "
                "its findings)"),
    "StopMonitoringMembers": ("high", "stopped GuardDuty monitoring of member accounts"),
    "DeletePublishingDestination": ("medium", "deleted a GuardDuty findings export destination"),
}
EVENTS = sorted([*ONE_SHOT, "UpdateDetector", "UpdateMalwareScanSettings"])
AI_FEATURE = "AI_PROTECTION"


def detector_settings(rp: dict[str, Any]) -> dict[str, Any]:
    """UpdateDetector's request flattened to ``{setting: value}`` (only what the call sets).

    Examples
    --------
    >>> detector_settings({"enable": False, "features": [{"name": "AI_PROTECTION", "status": "DISABLED"}]})
    {'enable': False, 'feature:AI_PROTECTION': 'DISABLED'}
    """
    out: dict[str, Any] = {}
    if (enable := as_bool(rp.get("enable"))) is not None:
        out["enable"] = enable
    for f in rp.get("features") or []:
        if isinstance(f, dict) and isinstance(f.get("name"), str):
            if isinstance(f.get("status"), str):
                out[f"feature:{f['name']}"] = f["status"]
            for extra in f.get("additionalConfiguration") or []:
                if isinstance(extra, dict) and isinstance(extra.get("name"), str) and "status" in extra:
                    out[f"feature:{f['name']}/{extra['name']}"] = extra["status"]
    _flatten_enable(rp.get("dataSources"), "datasource", out)
    return out


def _flatten_enable(node: Any, path: str, out: dict[str, Any]) -> None:
    """dataSources nests ``{"enable": bool}`` leaves: s3Logs, kubernetes.auditLogs, malwareProtection...ebsVolumes."""
    if not isinstance(node, dict):
        return
    if (enable := as_bool(node.get("enable"))) is not None:
        out[path] = enable
    for k, v in node.items():
        if k != "enable":
            _flatten_enable(v, f"{path}:{k}", out)


def setting_weaknesses(settings: dict[str, Any]) -> list[tuple[str, Weakness]]:
    """Weaknesses of detector settings on their face, each with the setting it comes from."""
    out: list[tuple[str, Weakness]] = []
    for key, value in settings.items():
        if key == "enable" and value is False:
            out.append((key, Weakness("suspended", "high", "the detector is suspended", blind_severity="high")))
        elif key == f"feature:{AI_FEATURE}" and value == "DISABLED":
            out.append((key, Weakness("ai_protection_off", "high", "AI Protection (Bedrock and SageMaker threat "
                                      "detection) disabled", blind_severity="medium")))
        elif key.startswith("feature:") and value == "DISABLED":
            name = key.removeprefix("feature:")
            if "/" in name:  # an additional configuration, e.g. RUNTIME_MONITORING/EC2_AGENT_MANAGEMENT
                out.append((key, Weakness(f"off:{name}", "low", f"{name} disabled")))
            else:
                out.append((key, Weakness(f"off:{name}", "medium", f"{name} disabled", blind_severity="low")))
        elif key.startswith("datasource:") and value is False:
            name = key.removeprefix("datasource:")
            s3 = name == "s3Logs"  # S3 data events: training data and knowledge bases live in S3
            out.append((key, Weakness(f"off:{name}", "medium" if s3 else "low", f"data source {name} disabled",
                                      blind_severity="low" if s3 else None)))
    return out


def malware_scan_weaknesses(rp: dict[str, Any], ai_tags: dict[str, list[str]]) -> list[Weakness]:
    """Malware scans told to skip instances by tag; worse when the tag is one that marks AI resources."""
    exclude = (rp.get("scanResourceCriteria") or {}).get("exclude")
    if not isinstance(exclude, dict) or not exclude:
        return []
    pairs = [(p.get("key"), p.get("value")) for cond in exclude.values() if isinstance(cond, dict)
             for p in cond.get("mapEquals") or [] if isinstance(p, dict)]
    ai = [k for k, v in pairs if k in ai_tags and (not ai_tags[k] or v in ai_tags[k])]
    if ai:
        return [Weakness("malware_scan_excludes_ai", "medium",
                         f"malware scans now skip instances tagged as AI resources ({', '.join(sorted(ai))})")]
    return [Weakness("malware_scan_excludes", "low", "malware scans now skip instances by tag")]


@detector(
    id="guardduty.monitoring_disabled",
    title="GuardDuty monitoring disabled or narrowed",
    category="logging-tampering",
    severity="high",
    phase="foundational",
    techniques=["T1562.001", "T1562.008"],
    function=FUNCTION,
    events=[api_calls("guardduty", EVENTS)],
    description=(
        "DeleteDetector, UpdateDetector that suspends the detector or disables protection plans (AI Protection, "
        "S3, Runtime Monitoring...), disassociation from the administrator account, StopMonitoringMembers, "
        "DeletePublishingDestination, and malware-scan exclusions. GuardDuty's AI Protection is the managed "
        "detection of Bedrock and SageMaker abuse: turning it off is the GuardDuty side of impairing AI defences."
    ),
    false_positives=[
        "Cost reviews that switch off protection plans not needed in an account.",
        "Moving accounts between organizations (disassociation, then association with the new administrator).",
        "Infrastructure-as-code re-sending disabled plans: reported low on first sight, then judged against state.",
    ],
    references=[
        "https://docs.aws.amazon.com/guardduty/latest/APIReference/API_UpdateDetector.html",
        "https://docs.aws.amazon.com/guardduty/latest/ug/ai-protection.html",
    ],
)
def detect(event: dict[str, Any], ctx: DetectContext) -> Iterator[Finding]:
    """Report GuardDuty being switched off or narrowed; UpdateDetector is judged against the last known settings.

    Known false positives: cost reviews, organization moves, IaC re-sending disabled plans (low on first sight).
    """
    call = ApiCall(event["detail"])
    if call.error_code:  # refused: GuardDuty still runs
        return
    meta = detect.meta  # type: ignore[attr-defined]
    rp = call.request_parameters
    detector_id = str(rp.get("detectorId") or "")
    resources = [Resource(type=RESOURCE_TYPE, id=f"{call.account}/{call.region}/{detector_id}")]
    if call.event_name in ONE_SHOT:
        severity, what = ONE_SHOT[call.event_name]
        yield tamper_finding(meta, ctx, call, severity=severity, description=f"{what} in {call.region}.",
                             resources=resources)
        return
    if call.event_name == "UpdateMalwareScanSettings":
        weak, known = malware_scan_weaknesses(rp, ctx.config.ai_resource_tags), True
    else:
        updates = detector_settings(rp)
        obs = observe(ctx.state, f"guardduty-detector:{call.account}:{call.region}:{detector_id}",
                      event_id=event_key(call), ts=event_ts(ctx, call), update=merge_settings(updates),
                      by=call.actor_arn)
        prev = (obs.previous or {}).get("settings") or {}
        weak = introduced_settings(setting_weaknesses(updates), setting_weaknesses(prev), prev)
        known = bool(prev)
    found = weakening_finding(meta, ctx, call, weak, what=f"GuardDuty detector {detector_id}",
                              resources=resources, previous_known=known)
    if found:
        yield found
