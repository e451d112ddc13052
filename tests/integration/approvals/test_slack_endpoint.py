"""The Slack interactivity endpoint: only fresh requests signed with the app's secret, by an approver, once."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from aidr.approvals import ApprovalStore
from aidr.ledger import Ledger

from tests.integration.approvals.conftest import (
    APPROVALS_TABLE,
    LEDGER_TABLE,
    SLACK_APPROVER,
    WEBHOOK_URL,
    Env,
    request_event,
)
from tests.integration.approvals.helpers import RESPONSE_URL, invoke, slack_body, slack_event

Posted = list[tuple[str, dict[str, Any]]]


@pytest.fixture
def posted(monkeypatch: pytest.MonkeyPatch) -> Posted:
    """What was posted to Slack (the approval message to the webhook, replies to response URLs), in order."""
    out: Posted = []
    monkeypatch.setattr("aidr.approvals.notify.post_json", lambda url, body: out.append((url, body)) or 200)
    return out


@pytest.fixture
def pending(env: Env, posted: Posted) -> tuple[str, str]:
    arn, token = env.start_wait("f-slack")
    return arn, invoke("RequestApprovalFunction", request_event(arn, token))["approval_id"]


def approval_message(posted: Posted) -> dict[str, Any]:
    (message,) = [body for url, body in posted if url == WEBHOOK_URL]
    return message


def replies(posted: Posted) -> list[dict[str, Any]]:
    return [body for url, body in posted if url == RESPONSE_URL]


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


@pytest.mark.parametrize(("action", "verdict"), [("aidr_approve", "Approved"), ("aidr_reject", "Rejected")])
def test_a_decision_replaces_the_approval_message_for_the_channel(
        env: Env, pending: tuple[str, str], posted: Posted, action: str, verdict: str) -> None:
    """Slack ignores the answer's body: the decision goes to the response URL and replaces the message, keeping
    the finding and the plan, dropping the reason box, the buttons and the how-to-decide note."""
    _, aid = pending
    original = approval_message(posted)
    assert {b["type"] for b in original["blocks"]} >= {"header", "section", "input", "actions", "context"}
    status, _ = answer(slack_event(slack_body(aid, action=action, reason="owner <@U0BOB> & team agree",
                                              message=original)))
    assert status == 200
    (reply,) = replies(posted)
    assert reply["replace_original"] is True and "response_type" not in reply  # in the channel, for everyone
    kept, decided = reply["blocks"][:-1], reply["blocks"][-1]
    assert kept == [b for b in original["blocks"] if b["type"] in ("header", "section")] and kept
    text = decided["text"]["text"]
    assert text.startswith(f"*{verdict}* by <@U0ALICE> (`{SLACK_APPROVER}`)")
    # The reason is the approver's text: escaped, so it cannot mention people or inject links.
    assert text.endswith("owner &lt;@U0BOB&gt; &amp; team agree") and "<@U0BOB>" not in text
    assert aid in reply["text"] and SLACK_APPROVER in reply["text"]


def test_a_refusal_is_shown_only_to_the_person_who_clicked(env: Env, pending: tuple[str, str],
                                                           posted: Posted) -> None:
    _, aid = pending
    answer(slack_event(slack_body(aid, user="U0MALLORY", message=approval_message(posted))))
    (reply,) = replies(posted)
    assert reply == {"response_type": "ephemeral", "replace_original": False, "text": reply["text"]}
    assert reply["text"].startswith("Not recorded") and "is not an approver" in reply["text"]
    assert status_of(env, aid) == "pending"


def test_unsigned_requests_get_no_reply_at_all(env: Env, pending: tuple[str, str], posted: Posted) -> None:
    """A forged payload must not make aidr post anywhere, even to a Slack URL."""
    _, aid = pending
    assert answer(slack_event(slack_body(aid), secret="forged"))[0] == 401
    assert replies(posted) == []


def test_a_response_url_off_slack_is_never_posted_to(env: Env, pending: tuple[str, str], posted: Posted) -> None:
    _, aid = pending
    status, body = answer(slack_event(slack_body(aid, response_url="https://attacker.example/collect")))
    assert status == 200 and "approved by" in body["text"] and status_of(env, aid) != "pending"
    assert [url for url, _ in posted if url != WEBHOOK_URL] == []


def test_a_failed_reply_does_not_undo_or_fail_the_decision(env: Env, pending: tuple[str, str],
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    arn, aid = pending

    def down(url: str, body: dict[str, Any]) -> int:
        raise OSError("slack is down")

    monkeypatch.setattr("aidr.approvals.notify.post_json", down)
    status, body = answer(slack_event(slack_body(aid)))
    assert status == 200 and "approved by" in body["text"]
    assert env.execution(arn)["status"] == "SUCCEEDED"
    assert "Slack reply for approval" in caplog.text and "OSError" in caplog.text
    assert RESPONSE_URL not in caplog.text and "xyz" not in caplog.text
