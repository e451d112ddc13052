"""EventBridge pattern builders shared by detectors (and mirrored by the rules in template.yaml)."""

from __future__ import annotations

from typing import Any

from ..normalize.envelope import CLOUDTRAIL_API_CALL, GUARDDUTY_FINDING


def api_calls(service: str, names: list[str] | None = None, **detail: Any) -> dict[str, Any]:
    """Pattern for CloudTrail API calls of ``service`` (e.g. "bedrock"), optionally by event name."""
    d: dict[str, Any] = {"eventSource": [f"{service}.amazonaws.com"], **detail}
    if names:
        d["eventName"] = sorted(names)
    return {"source": [f"aws.{service}"], "detail-type": [CLOUDTRAIL_API_CALL], "detail": d}


def guardduty_findings(**detail: Any) -> dict[str, Any]:
    p: dict[str, Any] = {"source": ["aws.guardduty"], "detail-type": [GUARDDUTY_FINDING]}
    if detail:
        p["detail"] = detail
    return p
