"""What a detector gets besides the event: config, state, counters, and a finding builder."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..config import AidrConfig
from ..findings.model import Finding, Principal, Resource, finding_id
from ..normalize.cloudtrail import ApiCall
from ..normalize.timeutil import EPOCH
from ..state.base import StateStore
from .registry import DetectorMeta


@dataclass
class DetectContext:
    config: AidrConfig
    state: StateStore
    # Incremented for things dropped on purpose (console sample findings, benign errors...), reported by
    # replay's summary and as metrics in Lambda.
    counters: Counter[str] = field(default_factory=Counter)
    # When an event has no usable time ('[REDACTED]'), fall back to this (replay: the previous record's time).
    fallback_time: datetime = EPOCH

    def when(self, t: datetime | None) -> datetime:
        return t or self.fallback_time

    def finding(
        self,
        meta: DetectorMeta,
        *,
        key: str,
        description: str,
        event_ids: list[str | None],
        first_seen: datetime | None,
        last_seen: datetime | None = None,
        account: str | None = None,
        region: str | None = None,
        principal: Principal | None = None,
        resources: list[Resource] | None = None,
        evidence: dict[str, Any] | None = None,
        severity: str | None = None,
        title: str | None = None,
        category: str | None = None,
        playbook: str | None = "__meta__",
    ) -> Finding:
        """Build a finding of ``meta``'s detector.

        ``key`` groups emissions into one finding (e.g. principal + window start): emissions with the same
        key merge instead of alerting again.
        """
        first = self.when(first_seen)
        return Finding(
            id=finding_id(meta.id, key),
            detector=meta.id,
            category=category or meta.category,
            severity=severity or meta.severity,  # type: ignore[arg-type]
            title=title or meta.title,
            description=description,
            layer=meta.layer,  # type: ignore[arg-type]
            phase=meta.phase,
            account=account,
            region=region,
            principal=principal,
            resources=resources or [],
            first_seen=first,
            last_seen=self.when(last_seen) if last_seen else first,
            event_ids=[e for e in dict.fromkeys(event_ids) if e],
            evidence=evidence or {},
            techniques=list(meta.techniques),
            playbook=meta.playbook if playbook == "__meta__" else playbook,
        )

    def call_finding(
        self,
        meta: DetectorMeta,
        call: ApiCall,
        *,
        key: str,
        description: str,
        evidence: dict[str, Any],
        resources: list[Resource] | None = None,
        severity: str | None = None,
        title: str | None = None,
        event_ids: list[str | None] | None = None,
    ) -> Finding:
        """A finding about one CloudTrail call: its id, time, account, region and caller, and its summary first
        in the evidence."""
        return self.finding(meta, key=key, title=title, description=description,
                            event_ids=event_ids or [call.event_id], first_seen=call.time, account=call.account,
                            region=call.region, principal=call.principal(), resources=resources,
                            evidence={**call.summary(), **evidence}, severity=severity)


def window_start(t: datetime, seconds: int) -> int:
    """Epoch start of the fixed window containing ``t`` (part of grouping keys)."""
    ts = int(t.timestamp())
    return ts - ts % seconds
