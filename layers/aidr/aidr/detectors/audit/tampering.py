"""Shared by the detectors of audit and guardrail tampering: weaknesses of a configuration, and the finding.

A configuration change is judged by the *weaknesses* it introduces: those of the new configuration that the one it
replaced did not have. When the previous configuration is unknown (first sight), each weakness is reported at its
``blind_severity``: lower, or not at all, because it may have been there all along (infrastructure-as-code tools
re-send every setting on each apply).

Examples
--------
>>> off = Weakness("text_off", "high", "text delivery off", blind_severity="low")
>>> [w.severity for w in introduced([off], old=[])]
['high']
>>> introduced([off], old=[off])
[]
>>> [w.severity for w in introduced([off], old=None)]
['low']
"""

from __future__ import annotations

from collections.abc import Container, Iterable
from dataclasses import dataclass, replace
from typing import Any

from ...findings.model import SEVERITY_ORDER, Finding, Resource, lower_severity, raise_severity
from ...normalize.cloudtrail import ApiCall
from ..context import DetectContext
from ..registry import DetectorMeta


@dataclass(frozen=True)
class Weakness:
    """One way a configuration records, protects or reports less than it could."""

    code: str
    severity: str
    """One of :data:`~aidr.findings.model.SEVERITIES`."""
    reason: str
    blind_severity: str | None = None
    """Severity when the replaced configuration is unknown; None: not reported then (e.g. a change of
    destination, which needs the old destination to exist)."""


def introduced(new: Iterable[Weakness], old: Iterable[Weakness] | None) -> list[Weakness]:
    """Weaknesses of ``new`` absent from ``old``; with ``old`` unknown (None), each at its blind severity."""
    if old is None:
        return [replace(w, severity=w.blind_severity) for w in new if w.blind_severity]
    had = {w.code for w in old}
    return [w for w in new if w.code not in had]


def introduced_settings(new: Iterable[tuple[str, Weakness]], old: Iterable[tuple[str, Weakness]],
                        known: Container[str]) -> list[Weakness]:
    """:func:`introduced` for partial updates, where each weakness comes from one setting: a setting that is not
    in ``known`` (never seen before) is judged blind, the others against ``old``."""
    had = {w.code for _, w in old}
    out: list[Weakness] = []
    for setting, w in new:
        if setting not in known:
            out += introduced([w], None)
        elif w.code not in had:
            out.append(w)
    return out


def worst(severities: Iterable[str]) -> str:
    return max(severities, key=SEVERITY_ORDER.__getitem__, default="informational")


def actor_trusted(ctx: DetectContext, call: ApiCall) -> bool:
    return ctx.config.is_trusted(call.actor_arn) or ctx.config.is_trusted(call.actor_key)


def actor_severity(ctx: DetectContext, call: ApiCall, severity: str) -> str:
    """Re-rank by who acted: a trusted automation principal one step down, the root user one step up."""
    if actor_trusted(ctx, call):
        return lower_severity(severity)
    if call.identity_type == "Root":
        return raise_severity(severity)
    return severity


def tamper_finding(
    meta: DetectorMeta,
    ctx: DetectContext,
    call: ApiCall,
    *,
    severity: str,
    description: str,
    resources: list[Resource],
    evidence: dict[str, Any] | None = None,
    playbook: str | None = "__meta__",
) -> Finding:
    """The finding for one tampering API call: one per event (its id groups re-deliveries), severity re-ranked by
    :func:`actor_severity`, evidence without request bodies."""
    return ctx.finding(
        meta,
        key=event_key(call),
        description=f"{call.actor_arn or call.actor_key} {description}",
        event_ids=[call.event_id],
        first_seen=call.time,
        account=call.account,
        region=call.region,
        principal=call.principal(),
        resources=resources,
        evidence={**call.summary(), "trusted_principal": actor_trusted(ctx, call), **(evidence or {})},
        severity=actor_severity(ctx, call, severity),
        playbook=playbook,
    )


def weakening_finding(
    meta: DetectorMeta,
    ctx: DetectContext,
    call: ApiCall,
    weaknesses: list[Weakness],
    *,
    what: str,
    resources: list[Resource],
    previous_known: bool,
    evidence: dict[str, Any] | None = None,
) -> Finding | None:
    """One finding listing the weaknesses a change introduced (None when it introduced none)."""
    if not weaknesses:
        return None
    reasons = "; ".join(w.reason for w in weaknesses)
    basis = "" if previous_known else " (previous configuration unknown to aidr)"
    return tamper_finding(
        meta, ctx, call,
        severity=worst(w.severity for w in weaknesses),
        description=f"weakened {what} in {call.region}{basis}: {reasons}.",
        resources=resources,
        evidence={"weaknesses": [w.code for w in weaknesses], "previous_configuration_known": previous_known,
                  **(evidence or {})},
    )


def event_key(call: ApiCall) -> str:
    """The event's id, or a stand-in built from who did what when (some exports drop eventID)."""
    return call.event_id or f"{call.actor_key}:{call.event_name}:{call.raw.get('eventTime')}"


def event_ts(ctx: DetectContext, call: ApiCall) -> float:
    """Event time in epoch seconds (the context's fallback time when the record's is unusable)."""
    return ctx.when(call.time).timestamp()


def account_of(arn: str | None) -> str | None:
    """The account field of an ARN (``arn:aws:logs:us-east-1:111122223333:...`` -> ``111122223333``)."""
    parts = arn.split(":") if isinstance(arn, str) else []
    return parts[4] if len(parts) > 5 and parts[0] == "arn" and parts[4] else None


def as_bool(v: Any) -> bool | None:
    """CloudTrail and its exporters write booleans as JSON booleans or as "true"/"false" strings."""
    if isinstance(v, bool):
        return v
    if isinstance(v, str) and v.lower() in ("true", "false"):
        return v.lower() == "true"
    return None
