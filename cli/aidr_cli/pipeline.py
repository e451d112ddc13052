"""Route and detect in-memory records exactly as replay does (used by tests, the demo and the bench)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from aidr.config import AidrConfig
from aidr.findings.model import Finding
from aidr.normalize.envelope import envelope_from_record
from aidr.routing import Router

from .replay import Routed, detect
from .template import load_router


def run_records(
    records: Iterable[Any], config: AidrConfig | None = None, router: Router | None = None
) -> tuple[list[Finding], Counter[str]]:
    """Findings for ``records`` (any supported shape) after routing by template.yaml's rules."""
    router = router or load_router()
    routed: list[Routed] = []
    counts: Counter[str] = Counter()
    errors: list[str] = []
    for i, rec in enumerate(records):
        env = envelope_from_record(rec)
        if env is None:
            raise ValueError(f"record {i} is not a shape aidr reads")
        targets = router.targets(env)
        if targets:
            routed.append(Routed(f"record[{i}]", env, targets))
        else:
            counts["not routed"] += 1
    findings = detect(routed, config or AidrConfig(), counts, errors)
    if errors:
        raise RuntimeError("; ".join(errors))
    return findings, counts
