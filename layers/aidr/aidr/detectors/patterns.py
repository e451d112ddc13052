"""EventBridge pattern builders shared by detectors (and mirrored by the rules in template.yaml)."""

from __future__ import annotations

from typing import Any

from ..normalize.envelope import CLOUDTRAIL_API_CALL, GUARDDUTY_FINDING

# Bedrock's OpenAI/Anthropic-compatible endpoint (bedrock-mantle.{region}.api.aws) is its own CloudTrail service:
# eventSource bedrock-mantle.amazonaws.com, with event names of its own (ListModels, CreateFineTuningJob, ...).
BEDROCK_MANTLE = "bedrock-mantle"


def api_calls(service: str, names: list[str] | None = None, **detail: Any) -> dict[str, Any]:
    """Pattern for CloudTrail API calls of ``service`` (e.g. "bedrock"), optionally by event name.

    Examples
    --------
    >>> api_calls(BEDROCK_MANTLE, ["ListModels"])["detail"]
    {'eventSource': ['bedrock-mantle.amazonaws.com'], 'eventName': ['ListModels']}
    """
    d: dict[str, Any] = {"eventSource": [f"{service}.amazonaws.com"], **detail}
    if names:
        d["eventName"] = sorted(names)
    return {"source": [f"aws.{service}"], "detail-type": [CLOUDTRAIL_API_CALL], "detail": d}


def guardduty_findings(**detail: Any) -> dict[str, Any]:
    p: dict[str, Any] = {"source": ["aws.guardduty"], "detail-type": [GUARDDUTY_FINDING]}
    if detail:
        p["detail"] = detail
    return p
