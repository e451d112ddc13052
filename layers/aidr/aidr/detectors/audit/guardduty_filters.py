"""GuardDuty findings suppressed: a filter with action ARCHIVE that hides AI threat findings (AI Protection's and
BedrockLoggingDisabled) or compromised-credential findings.

CloudTrail records CreateFilter/UpdateFilter as ``{detectorId, name | filterName, action, rank,
findingCriteria: {criterion: {<field>: {eq, neq, equals, notEquals, matches, notMatches, gt, gte, lt, lte,
greaterThan, ...}}}}``. A filter archives a finding when every criterion matches; UpdateFilter may omit the action or
the criteria, so each filter is kept in state and judged as it stands after the change. A ``severity`` criterion is
judged against each type's documented default severity (:data:`aidr.detectors.guardduty.types.DEFAULT_SEVERITY`).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from typing import Any

from ...findings.model import Finding, Resource, lower_severity
from ...normalize.cloudtrail import ApiCall
from ..context import DetectContext
from ..guardduty.types import AI_FINDING_TYPES, CREDENTIAL_TYPES, DEFAULT_SEVERITY
from ..patterns import api_calls
from ..registry import detector
from .last_known import merge_settings, observe
from .tampering import Weakness, event_key, event_ts, introduced, weakening_finding

FUNCTION = "DetectAuditFunction"
# Criteria that do not narrow a filter to particular resources or principals.
_BROAD_FIELDS = {"type", "severity", "confidence", "createdAt", "updatedAt", "region", "service.archived",
                 "service.count", "service.featureName", "service.serviceName", "service.userFeedback"}
_SAMPLE_FIELD = "service.additionalInfo.sample"
_NUMERIC = {"gt": float.__gt__, "greaterThan": float.__gt__, "gte": float.__ge__, "greaterThanOrEqual": float.__ge__,
            "lt": float.__lt__, "lessThan": float.__lt__, "lte": float.__le__, "lessThanOrEqual": float.__le__}


def _strings(v: Any) -> list[str]:
    return [str(x) for x in v] if isinstance(v, list) else []


def type_matches(cond: dict[str, Any], finding_type: str) -> bool:
    """Whether a ``type`` condition selects ``finding_type`` (conditions combine with AND)."""
    ok = True
    for op, values in cond.items():
        vals = _strings(values)
        if op in ("eq", "equals"):
            ok &= finding_type in vals
        elif op in ("neq", "notEquals"):
            ok &= finding_type not in vals
        elif op == "matches":
            ok &= any(fnmatch.fnmatchcase(finding_type, p) for p in vals)
        elif op == "notMatches":
            ok &= not any(fnmatch.fnmatchcase(finding_type, p) for p in vals)
    return ok


def severity_matches(cond: dict[str, Any], score: float) -> bool:
    ok = True
    for op, value in cond.items():
        if op in _NUMERIC and isinstance(value, int | float):
            ok &= _NUMERIC[op](score, float(value))
        elif op in ("eq", "equals"):
            ok &= str(score) in _strings(value) or str(int(score)) in _strings(value)
    return ok


def _cond(criterion: dict[str, Any], field: str) -> dict[str, Any]:
    c = criterion.get(field)
    return c if isinstance(c, dict) else {}


def hidden_types(criterion: dict[str, Any]) -> list[str]:
    """The AI-relevant finding types (at their default severity) that an ARCHIVE filter with ``criterion`` hides."""
    sample = _cond(criterion, _SAMPLE_FIELD)
    if "true" in _strings(sample.get("eq")) + _strings(sample.get("equals")):
        return []  # a filter for console sample findings hides only samples
    types, severity = _cond(criterion, "type"), _cond(criterion, "severity")
    return [t for t, score in DEFAULT_SEVERITY.items() if type_matches(types, t) and severity_matches(severity, score)]


def filter_weaknesses(settings: dict[str, Any]) -> list[Weakness]:
    """Weaknesses of a filter as it stands: what its ARCHIVE action hides from the findings aidr and people read."""
    if settings.get("action") != "ARCHIVE":
        return []
    criteria = settings.get("findingCriteria")
    if not isinstance(criteria, dict):
        return [Weakness("archive_unknown_criteria", "low", "the filter now archives findings (criteria not in the "
                         "event)", blind_severity="low")]
    criterion = criteria.get("criterion") if isinstance(criteria.get("criterion"), dict) else {}
    hidden = hidden_types(criterion)
    narrowed = bool(set(criterion) - _BROAD_FIELDS - {_SAMPLE_FIELD})
    out: list[Weakness] = []
    for code, group, severity in (("archives_ai_protection", AI_FINDING_TYPES, "high"),
                                  ("archives_credential_findings", CREDENTIAL_TYPES, "medium")):
        mine = [t for t in hidden if t in group]
        if mine:
            sev = lower_severity(severity) if narrowed else severity
            scope = " for some resources" if narrowed else ""
            more = f" and {len(mine) - 4} more" if len(mine) > 4 else ""
            out.append(Weakness(code, sev, f"auto-archives{scope} {', '.join(mine[:4])}{more}",
                                blind_severity=lower_severity(sev)))
    return out


@detector(
    id="guardduty.findings_suppressed",
    title="GuardDuty suppression rule hides AI threat findings",
    category="logging-tampering",
    severity="high",
    phase="foundational",
    techniques=["T1562.001"],
    function=FUNCTION,
    events=[api_calls("guardduty", ["CreateFilter", "UpdateFilter"])],
    description=(
        "CreateFilter/UpdateFilter with action ARCHIVE whose criteria cover GuardDuty AI threat findings (AI "
        "Protection's AnomalousModelInvocation, CostHarvesting, PromptInjection.Direct; the IAM finding "
        "BedrockLoggingDisabled) or compromised-credential findings (instance and resource credential "
        "exfiltration, IAM anomalous behaviour, attack sequences), judged at each type's default severity: the "
        "findings still exist but are archived as they arrive, so nobody sees them."
    ),
    false_positives=[
        "Suppression rules for known-benign activity (a scanner, a test account), usually narrowed to a resource: "
        "reported one step lower.",
        "Archiving all Low findings to cut noise: AI Protection findings default to Low and are hidden too (so is "
        "Discovery:IAMUser/AnomalousBehavior); archiving below High also hides BedrockLoggingDisabled and most IAM "
        "anomalous-behaviour findings, which default to Medium.",
    ],
    references=[
        "https://docs.aws.amazon.com/guardduty/latest/ug/findings_suppression-rule.html",
        "https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_finding-types-iam.html",
        "https://docs.aws.amazon.com/guardduty/latest/APIReference/API_CreateFilter.html",
    ],
)
def detect(event: dict[str, Any], ctx: DetectContext) -> Iterator[Finding]:
    """Report archive filters that newly hide AI-relevant findings (judged on the filter as it stands after the call).

    Known false positives: narrowed suppression of benign activity, archiving all Low findings.
    """
    call = ApiCall(event["detail"])
    if call.error_code:
        return
    rp = call.request_parameters
    detector_id = str(rp.get("detectorId") or "")
    name = str(rp.get("name") or rp.get("filterName") or "")
    updates = {k: rp[k] for k in ("action", "findingCriteria") if k in rp}
    if call.event_name == "CreateFilter":
        updates.setdefault("action", "NOOP")  # the API's default
    obs = observe(ctx.state, f"guardduty-filter:{call.account}:{call.region}:{detector_id}:{name}",
                  event_id=event_key(call), ts=event_ts(ctx, call), update=merge_settings(updates), by=call.actor_arn)
    new = filter_weaknesses((obs.current or {}).get("settings") or {})
    if call.event_name == "CreateFilter" and not obs.stale:
        old: list[Weakness] | None = []  # a new filter replaces nothing
    else:
        old = filter_weaknesses(obs.previous["settings"]) if obs.previous else None
    found = weakening_finding(
        detect.meta,  # type: ignore[attr-defined]
        ctx, call, introduced(new, old),
        what=f"GuardDuty findings visibility with filter {name}",
        resources=[Resource(type="AWS::GuardDuty::Filter", id=f"{call.account}/{call.region}/{detector_id}/{name}")],
        previous_known=old is not None,
    )
    if found:
        yield found
