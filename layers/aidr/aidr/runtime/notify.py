"""SNS notifications of findings: a short subject and the finding JSON (already masked by its detector)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    from ..findings.model import Finding

# SNS subjects: ASCII, no line breaks or control characters, fewer than 100 characters.
SUBJECT_MAX = 99
_UNPRINTABLE = re.compile(r"[^\x20-\x7e]+")


def subject(finding: Finding, escalated: bool = False) -> str:
    """E.g. ``aidr HIGH: Bedrock model invocation logging deleted``."""
    text = f"aidr {finding.severity.upper()}{' (escalated)' if escalated else ''}: {finding.title}"
    text = _UNPRINTABLE.sub(" ", text).strip()
    return text if len(text) <= SUBJECT_MAX else text[: SUBJECT_MAX - 3].rstrip() + "..."


def message(finding: Finding, escalated: bool = False) -> str:
    doc = {"subject": subject(finding, escalated), "escalated": escalated, "finding": finding.to_json_dict()}
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode()


def publish_notification(finding: Finding, topic_arn: str, client: Any, escalated: bool = False) -> str:
    """Publish one finding to ``topic_arn``; returns the SNS message id.

    Message attributes (severity, category, detector) let subscriptions filter without parsing the body.
    """
    resp = client.publish(
        TopicArn=topic_arn,
        Subject=subject(finding, escalated),
        Message=message(finding, escalated),
        MessageAttributes={
            "severity": {"DataType": "String", "StringValue": finding.severity},
            "category": {"DataType": "String", "StringValue": finding.category},
            "detector": {"DataType": "String", "StringValue": finding.detector},
        },
    )
    return str(resp["MessageId"])
