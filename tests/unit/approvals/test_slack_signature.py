"""Slack's v0 signature: HMAC-SHA256 of v0:{timestamp}:{body}, fresh within five minutes, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.parse

import pytest
from aidr.approvals.errors import BadRequest, NotAuthenticated
from aidr.approvals.slack import Interaction, parse_interaction, response_url, sign, verify_signature

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TS = "1767225600"
BODY = "payload=%7B%22type%22%3A%22block_actions%22%7D"


def test_signature_is_slacks_v0_hmac() -> None:
    expected = hmac.new(SECRET.encode(), f"v0:{TS}:{BODY}".encode(), hashlib.sha256).hexdigest()
    assert sign(SECRET, TS, BODY) == "v0=" + expected
    verify_signature(SECRET, TS, BODY, "v0=" + expected, now=int(TS) + 299)


@pytest.mark.parametrize(("ts", "sig", "now", "message"), [
    (TS, None, int(TS), "not signed"),
    (None, "v0=00", int(TS), "not signed"),
    ("soon", "v0=00", int(TS), "not a number"),
    (TS, sign(SECRET, TS, BODY), int(TS) + 301, "more than 300 s"),
    (TS, sign(SECRET, TS, BODY), int(TS) - 301, "more than 300 s"),
    (TS, sign("other-secret", TS, BODY), int(TS), "does not match"),
    (TS, sign(SECRET, str(int(TS) + 1), BODY), int(TS), "does not match"),  # timestamp swapped after signing
    (TS, sign(SECRET, TS, BODY + "x"), int(TS), "does not match"),
])
def test_refusals(ts: str | None, sig: str | None, now: int, message: str) -> None:
    with pytest.raises(NotAuthenticated, match=message):
        verify_signature(SECRET, ts, BODY, sig, now=now)


def test_no_secret_configured_refuses_everything() -> None:
    with pytest.raises(NotAuthenticated):
        verify_signature("", TS, BODY, sign("", TS, BODY), now=int(TS))


def _body(payload: dict[str, object]) -> str:
    return urllib.parse.urlencode({"payload": json.dumps(payload)})


def test_parse_interaction() -> None:
    body = _body({"type": "block_actions", "team": {"id": "T1"}, "user": {"id": "U1"},
                  "actions": [{"action_id": "aidr_reject", "value": "ap-1"}],
                  "state": {"values": {"aidr_reason": {"reason": {"value": "not ours"}}}}})
    assert parse_interaction(body) == Interaction("ap-1", "reject", "slack:T1:U1", "not ours", "U1", None, None)


def test_parse_interaction_keeps_a_slack_response_url_and_the_message() -> None:
    message = {"blocks": [{"type": "header"}]}
    click = parse_interaction(_body({
        "type": "block_actions", "team": {"id": "T1"}, "user": {"id": "U1"},
        "actions": [{"action_id": "aidr_approve", "value": "ap-1"}], "message": message,
        "response_url": "https://hooks.slack.com/actions/T1/2/abc"}))
    assert click.response_url == "https://hooks.slack.com/actions/T1/2/abc" and click.message == message
    assert click.decision == "approve" and click.reason is None


@pytest.mark.parametrize(("url", "ok"), [
    ("https://hooks.slack.com/actions/T1/2/abc", True),
    ("https://hooks.slack-gov.com/actions/T1/2/abc", True),
    ("http://hooks.slack.com/actions/T1/2/abc", False),  # not TLS
    ("https://hooks.slack.com.attacker.example/actions", False),
    ("https://hooks.slack.com@attacker.example/actions", False),  # userinfo: the host is attacker.example
    ("https://user@hooks.slack.com/actions", False),
    ("https://hooks.slack.com:8443/actions", False),
    ("https://hooks.slack.com:notaport/actions", False),
    ("https://169.254.169.254/latest/meta-data/", False),
    ("", False), (None, False), (["https://hooks.slack.com/x"], False),
])
def test_response_url_only_on_slack_hosts(url: object, ok: bool) -> None:
    assert response_url(url) == (url if ok else None)


@pytest.mark.parametrize("body", [
    "", "payload=not-json", _body({"type": "view_submission"}),
    _body({"type": "block_actions", "team": {"id": "T1"}, "user": {"id": "U1"},
           "actions": [{"action_id": "something_else", "value": "ap-1"}]}),
    _body({"type": "block_actions", "user": {}, "actions": [{"action_id": "aidr_approve", "value": "ap-1"}]}),
])
def test_parse_refuses_other_payloads(body: str) -> None:
    with pytest.raises(BadRequest):
        parse_interaction(body)
