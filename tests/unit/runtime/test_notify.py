from __future__ import annotations

import json
from datetime import UTC, datetime

from aidr.findings.model import Finding
from aidr.runtime.notify import SUBJECT_MAX, message, subject


def finding(title: str, severity: str = "high") -> Finding:
    t = datetime(2026, 11, 18, 3, 12, 44, tzinfo=UTC)
    return Finding(id="f1", detector="bedrock.invocation_logging_deleted", category="logging-tampering",
                   severity=severity, title=title, description="d", layer="identity-data", phase="foundational",
                   account="111122223333", region="us-east-1", principal=None, first_seen=t, last_seen=t,
                   event_ids=["e1"], evidence={"source_ip": "203.0.113.45"})


def test_subject_is_what_sns_accepts() -> None:
    s = subject(finding("Logging\ndeleted → in région " + "x" * 200), escalated=True)
    assert s.startswith("aidr HIGH (escalated): Logging deleted")
    assert len(s) <= SUBJECT_MAX and s.isascii() and "\n" not in s and s.endswith("...")


def test_message_is_the_finding_json() -> None:
    f = finding("Bedrock model invocation logging deleted", "critical")
    doc = json.loads(message(f))
    assert doc == {"subject": "aidr CRITICAL: Bedrock model invocation logging deleted", "escalated": False,
                   "finding": f.to_json_dict()}
