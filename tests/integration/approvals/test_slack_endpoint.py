"""The Slack interactivity endpoint: only fresh requests signed with the app's secret, by an approver, once."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from aidr.approvals import ApprovalStore
from aidr.ledger import Ledger

from tests.integration.approvals.conftest import APPROVALS_TABLE, LEDGER_TABLE, SLACK_APPROVER, Env, request_event
from tests.integration.approvals.helpers import invoke, slack_body, slack_event


@pytest.fixture
def pending(env: Env, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    monkeypatch.setattr("aidr.approvals.notify.post_json", lambda url, body: 200)
    arn, token = env.start_wait("f-slack")
    return arn, invoke("RequestApprovalFunction", request_event(arn, token))["approval_id"]


def status_of(env: Env, aid: str) -> str:
    return ApprovalStore(APPROVALS_TABLE, env.client("dynamodb")).get(aid).status  # type: ignore[union-attr]


def answer(event: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    resp = invoke("SlackInteractivityFunction", event)
    return resp["statusCode"], json.loads(resp["body"])


def test_signed_fresh_request_from_an_approver_decides(env: Env, pending: tuple[str, str]) -> None:
    arn, aid = pending
    status, body = answer(slack_event(slack_body(aid)))
    assert status == 200 and "approved by " + SLACK_APPROVER in body["text"]
    assert env.execution(arn)["status"] == "SUCCEEDED"
    (decided,) = [r for r in Ledger(LEDGER_TABLE, env.client("dynamodb")).records() if r["kind"] == "approval.decided"]
    assert json.loads(decided["detail"])["via"] == "slack" and decided["subject"] == aid


@pytest.mark.parametrize("tamper", ["unsigned", "wrong secret", "stale", "future", "body changed"])
def test_unauthenticated_requests_are_refused(env: Env, pending: tuple[str, str], tamper: str) -> None:
    _, aid = pending
    body = slack_body(aid)
    now = int(time.time())
    event = {
        "unsigned": lambda: slack_event(body, signature=""),
        "wrong secret": lambda: slack_event(body, secret="not-the-signing-secret"),
        "stale": lambda: slack_event(body, timestamp=now - 400),  # the 300 s edge: unit tests
        "future": lambda: slack_event(body, timestamp=now + 400),
        "body changed": lambda: {**slack_event(body), "body": slack_body(aid, action="aidr_reject")},
    }[tamper]()
    if tamper == "unsigned":
        del event["headers"]["X-Slack-Signature"]
    status, answer_body = answer(event)
    assert (status, answer_body["error"]) == (401, "NotAuthenticated")
    assert status_of(env, aid) == "pending"


def test_a_replayed_request_is_already_resolved(env: Env, pending: tuple[str, str]) -> None:
    _, aid = pending
    event = slack_event(slack_body(aid))
    assert answer(event)[0] == 200
    status, body = answer(event)  # the same signed request, within the five minutes
    assert status == 200 and body["text"].startswith("Not recorded") and "already resolved" in body["text"]
    kinds = [r["kind"] for r in Ledger(LEDGER_TABLE, env.client("dynamodb")).records()]
    assert kinds.count("approval.decided") == 1


@pytest.mark.parametrize(("user", "reason", "why"), [
    ("U0MALLORY", "looks fine", "is not an approver"),
    ("U0ALICE", None, "reason is required"),
    ("U0ALICE", "   ", "reason is required"),
])
def test_refused_slack_decisions_change_nothing(env: Env, pending: tuple[str, str], user: str, reason: str | None,
                                                why: str) -> None:
    arn, aid = pending
    status, body = answer(slack_event(slack_body(aid, user=user, reason=reason)))
    assert status == 200 and why in body["text"]
    assert status_of(env, aid) == "pending" and env.execution(arn, wait=False)["status"] == "RUNNING"
