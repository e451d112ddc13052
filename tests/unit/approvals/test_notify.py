"""Approval messages: the approval id, finding, evidence and exact plan; never the token nor the webhook URL."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from aidr.approvals.notify import message, post_slack, slack_blocks, subject, webhook_url
from aidr.approvals.request import parse_request
from aidr.approvals.store import Approval

URL = "https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX"
TOKEN = "AQCEAAAAKgAAAAMAAAAAAAAAAc0secret-task-token"


def approval(**over: Any) -> Approval:
    fields: dict[str, Any] = dict(
        id="ap-1", status="pending", execution_arn="arn:aws:states:us-east-1:111122223333:execution:x:y",
        playbook="quarantine-bucket", finding_id="f1",
        subject="arn:aws:sts::111122223333:assumed-role/etl/s",
        finding={"id": "f1", "title": "Training data bucket made public", "severity": "critical",
                 "category": "data-exposure", "principal": {"arn": "arn:aws:sts::111122223333:assumed-role/etl/s"},
                 "evidence": {"bucket": "training-data", "sourceIPAddress": "203.0.113.20"}},
        plan=[{"action": "quarantine-bucket", "target": "arn:aws:s3:::training-data", "destructive": False,
               "changes": "add Deny statement aidr-quarantine; enable block public access"}],
        requested_at="2026-05-01T10:00:00.000Z", expires_at=1767226500, task_token=TOKEN)
    fields.update(over)
    return Approval(**fields)


class FakeSecrets:
    def __init__(self, value: str) -> None:
        self.value = value

    def get_secret_value(self, SecretId: str) -> dict[str, str]:
        return {"SecretString": self.value}


def test_message_carries_the_plan_and_evidence_but_no_token() -> None:
    doc = message(approval(), escalation=False, api_url="https://abc.execute-api.us-east-1.amazonaws.com/v1")
    text = json.dumps(doc) + json.dumps(slack_blocks(approval(), False, True))
    assert TOKEN not in text and "task_token" not in text
    assert doc["plan"][0]["changes"].startswith("add Deny statement") and doc["evidence"]["bucket"] == "training-data"
    assert any(line.startswith("POST https://abc.execute-api") for line in doc["how_to_decide"])


def test_subject_marks_escalations_and_stays_short() -> None:
    assert subject(approval(), True).startswith("aidr APPROVAL (ESCALATION) CRITICAL quarantine-bucket:")
    long = approval(finding={"title": "x" * 300, "severity": "high"})
    assert len(subject(long, False)) <= 99


def test_buttons_only_with_interactivity() -> None:
    types = [b["type"] for b in slack_blocks(approval(), False, interactive=False)["blocks"]]
    assert "actions" not in types and "input" not in types


@pytest.mark.parametrize("stored", [URL, json.dumps({"url": URL})])
def test_webhook_url_from_secret(stored: str) -> None:
    assert webhook_url(FakeSecrets(stored), "arn") == URL


def test_webhook_failure_is_logged_without_the_url(caplog: pytest.LogCaptureFixture) -> None:
    def fail(url: str, body: dict[str, Any]) -> int:
        raise OSError(f"cannot reach {url}")

    with caplog.at_level(logging.WARNING):
        assert post_slack(FakeSecrets(URL), "arn", approval(), False, True, poster=fail) is False
        assert post_slack(FakeSecrets("http://attacker.example/x"), "arn", approval(), False, True) is False
    assert caplog.records and "hooks.slack.com" not in caplog.text and "attacker" not in caplog.text


def test_request_payload_defaults_and_checks() -> None:
    req = parse_request({"task_token": "t", "execution_arn": "e", "playbook": "p", "finding": {"severity": "critical"},
                         "plan": []})
    assert req["escalation"] is False and req["timeout_seconds"] == 900
    with pytest.raises(Exception, match="lacks task_token"):
        parse_request({"execution_arn": "e", "playbook": "p", "finding": {}, "plan": []})
