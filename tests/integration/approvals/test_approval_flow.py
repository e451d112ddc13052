"""Request -> notify -> decide -> the playbook's wait ends, through the real handlers on an emulated account."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aidr.approvals import ApprovalStore, approval_id
from aidr.ledger import Ledger

from tests.integration.approvals.conftest import APPROVALS_TABLE, LEDGER_TABLE, ONCALL, WEBHOOK_URL, Env, request_event
from tests.integration.approvals.helpers import api_event, decide_via_api, invoke


@pytest.fixture
def slack_posts(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    posted: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr("aidr.approvals.notify.post_json", lambda url, body: posted.append((url, body)) or 200)
    return posted


def store(env: Env) -> ApprovalStore:
    return ApprovalStore(APPROVALS_TABLE, env.client("dynamodb"))


def ledger(env: Env) -> Ledger:
    return Ledger(LEDGER_TABLE, env.client("dynamodb"))


def kinds(env: Env) -> list[str]:
    return [r["kind"] for r in ledger(env).records()]


def test_request_notifies_keeps_the_token_inside_and_ledgers(env: Env, slack_posts: list[Any]) -> None:
    arn, token = env.start_wait("f-approve")
    out = invoke("RequestApprovalFunction", request_event(arn, token))
    assert out == {"approval_id": approval_id(arn), "status": "pending", "stage": "initial", "notified": True}
    (note,) = env.notifications()
    assert note["attributes"]["kind"] == "approval" and "ESCALATION" not in note["subject"]
    msg = note["message"]
    assert msg["approval_id"] == out["approval_id"] and msg["plan"][0]["changes"].startswith("add inline policy")
    assert msg["evidence"] == {"sourceIPAddress": "203.0.113.10"}
    ((url, slack),) = slack_posts
    assert url == WEBHOOK_URL and [a["action_id"] for a in slack["blocks"][-2]["elements"]] == [
        "aidr_approve", "aidr_reject"]
    assert token not in json.dumps(msg) and token not in json.dumps(slack)  # the token never leaves the system
    shown = invoke("ApprovalApiFunction", api_event("GET", "/approvals/{id}", out["approval_id"], ONCALL))
    assert shown["statusCode"] == 200 and token not in shown["body"]
    assert json.loads(shown["body"])["status"] == "pending"
    assert kinds(env) == ["approval.requested"]


def test_approve_ends_the_wait_with_who_when_why(env: Env, slack_posts: list[Any]) -> None:
    arn, token = env.start_wait("f-approve2")
    aid = invoke("RequestApprovalFunction", request_event(arn, token))["approval_id"]
    status, doc = decide_via_api(aid, ONCALL)
    assert status == 200 and doc["decision"] == "approved" and doc["by"] == ONCALL
    execution = env.execution(arn)
    assert execution["status"] == "SUCCEEDED"
    assert json.loads(execution["output"]) == doc
    record = store(env).get(aid)
    assert record and record.status == "approved" and record.delivered and record.reason == doc["reason"]
    assert kinds(env) == ["approval.requested", "approval.decided"]
    assert ledger(env).verify() == (True, [])


def test_reject_fails_the_wait_with_aidr_rejected(env: Env, slack_posts: list[Any]) -> None:
    arn, token = env.start_wait("f-reject")
    aid = invoke("RequestApprovalFunction", request_event(arn, token))["approval_id"]
    status, doc = decide_via_api(aid, ONCALL, "reject", "the pipeline owner confirmed the change")
    assert status == 200 and doc["decision"] == "rejected"
    execution = env.execution(arn)
    assert execution["status"] == "FAILED" and execution["error"] == "aidr.Rejected"
    # moto 5.2.5 drops SendTaskFailure's cause; where it keeps it, it is the decision document.
    assert "cause" not in execution or json.loads(execution["cause"]) == doc


def test_a_decision_is_single_use(env: Env, slack_posts: list[Any]) -> None:
    arn, token = env.start_wait("f-once")
    aid = invoke("RequestApprovalFunction", request_event(arn, token))["approval_id"]
    assert decide_via_api(aid, ONCALL)[0] == 200
    status, body = decide_via_api(aid, ONCALL, "reject", "changed my mind")
    assert status == 409 and body["error"] == "AlreadyResolved"
    assert store(env).get(aid).status == "approved"  # type: ignore[union-attr]
    assert kinds(env) == ["approval.requested", "approval.decided"]


@pytest.mark.parametrize(("caller", "status", "error"), [
    (None, 401, "NotAuthenticated"),                                                       # unsigned
    ("arn:aws:sts::111122223333:assumed-role/Developer/mallory", 403, "Forbidden"),          # not an approver
    ("arn:aws:sts::111122223333:assumed-role/ml-pipeline/i-0abc", 403, "Forbidden"),         # its own containment
    ("arn:aws:sts::111122223333:assumed-role/ml-pipeline/another-session", 403, "Forbidden"),  # same role
])
def test_refused_callers_change_nothing(env: Env, slack_posts: list[Any], caller: str | None, status: int,
                                        error: str) -> None:
    arn, token = env.start_wait("f-refused")
    aid = invoke("RequestApprovalFunction", request_event(arn, token))["approval_id"]
    got, body = decide_via_api(aid, caller)
    assert (got, body["error"]) == (status, error)
    assert store(env).get(aid).status == "pending"  # type: ignore[union-attr]
    assert env.execution(arn, wait=False)["status"] == "RUNNING"
    assert kinds(env) == ["approval.requested"]
    assert decide_via_api(aid, ONCALL)[0] == 200  # the approval is still there for a real approver


@pytest.mark.parametrize(("event_body", "status"), [
    ({"decision": "maybe", "reason": "x"}, 400), ({"decision": "approve"}, 400), ({"decision": "approve",
                                                                                   "reason": "   "}, 400),
    ("not json", 400), ("[1, 2]", 400),
])
def test_malformed_decisions_are_refused(env: Env, slack_posts: list[Any], event_body: Any, status: int) -> None:
    arn, token = env.start_wait("f-bad")
    aid = invoke("RequestApprovalFunction", request_event(arn, token))["approval_id"]
    resp = invoke("ApprovalApiFunction", api_event("POST", "/approvals/{id}/decision", aid, ONCALL, event_body))
    assert resp["statusCode"] == status
    assert store(env).get(aid).status == "pending"  # type: ignore[union-attr]


def test_unknown_approval_and_listing(env: Env, slack_posts: list[Any]) -> None:
    assert decide_via_api("ap-00000000000000000000", ONCALL)[0] == 404
    arn, token = env.start_wait("f-list")
    aid = invoke("RequestApprovalFunction", request_event(arn, token))["approval_id"]
    listed = json.loads(invoke("ApprovalApiFunction", api_event("GET", "/approvals", None, ONCALL))["body"])
    assert [a["id"] for a in listed["approvals"]] == [aid]
    unsigned = invoke("ApprovalApiFunction", api_event("GET", "/approvals", None, None))
    assert unsigned["statusCode"] == 401


def test_request_is_idempotent_under_retry(env: Env, slack_posts: list[Any]) -> None:
    arn, token = env.start_wait("f-retry")
    first = invoke("RequestApprovalFunction", request_event(arn, token))
    again = invoke("RequestApprovalFunction", request_event(arn, token))
    assert again == {**first, "notified": False}
    assert len(env.notifications()) == 1 and len(slack_posts) == 1
    assert kinds(env) == ["approval.requested"]
    assert len(store(env).list()) == 1


def test_escalation_renotifies_the_same_approval_with_the_new_token(env: Env, slack_posts: list[Any]) -> None:
    arn, token = env.start_wait("f-escalate")
    aid = invoke("RequestApprovalFunction", request_event(arn, token))["approval_id"]
    env.notifications()
    # The first wait timed out; the playbook's escalation wait asks again (its own token, same execution).
    escalation_token = token + "-escalation"
    out = invoke("RequestApprovalFunction", request_event(arn, escalation_token, escalation=True))
    assert out["approval_id"] == aid and out["notified"] is True
    (note,) = env.notifications()
    assert "ESCALATION" in note["subject"] and note["message"]["escalation"] is True
    assert "ESCALATION" in slack_posts[-1][1]["text"]
    record = store(env).get(aid)
    assert record and record.escalated and record.task_token == escalation_token
    assert kinds(env) == ["approval.requested", "approval.escalated"]
    # A retried escalation request does not notify a third time.
    invoke("RequestApprovalFunction", request_event(arn, escalation_token, escalation=True))
    assert env.notifications() == []


def test_a_recorded_decision_is_delivered_to_a_wait_that_asks_again(env: Env, slack_posts: list[Any]) -> None:
    """Retry after the decision: the new wait gets the decision at once instead of hanging until it times out."""
    arn, token = env.start_wait("f-redeliver")
    aid = invoke("RequestApprovalFunction", request_event(arn, "a-token-of-a-wait-that-is-gone"))["approval_id"]
    st = store(env)
    st.decide(aid, ONCALL, "approved", "approved before the retry", "2026-05-01T10:05:00.000Z")
    out = invoke("RequestApprovalFunction", request_event(arn, token))
    assert out["redelivered"] is True
    assert env.execution(arn)["status"] == "SUCCEEDED"
