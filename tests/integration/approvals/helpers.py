"""Invoke the approval functions in process, as API Gateway and Step Functions would."""

from __future__ import annotations

import json
import time
import urllib.parse
from typing import Any

from aidr.approvals.slack import sign

from tests.integration.approvals.conftest import SIGNING_SECRET
from tests.integration.handlers import FakeContext, load_handler


def invoke(function_id: str, event: dict[str, Any]) -> Any:
    return load_handler(function_id)(event, FakeContext(function_id))


def api_event(method: str, resource: str, approval_id: str | None, caller: str | None,
              body: dict[str, Any] | str | None = None) -> dict[str, Any]:
    """A REST API (v1) Lambda proxy event; ``caller`` is what SigV4 authentication put in the identity."""
    path = resource.replace("{id}", approval_id or "")
    return {
        "resource": resource, "path": path, "httpMethod": method,
        "headers": {"Content-Type": "application/json"}, "queryStringParameters": None,
        "pathParameters": {"id": approval_id} if approval_id else None,
        "requestContext": {"resourcePath": resource, "httpMethod": method, "stage": "v1",
                           "identity": {"userArn": caller, "caller": caller and "AROAEXAMPLE:alice",
                                        "accountId": caller and "111122223333", "sourceIp": "203.0.113.7"}},
        "body": body if isinstance(body, str) or body is None else json.dumps(body), "isBase64Encoded": False,
    }


def decide_via_api(approval_id: str, caller: str | None, decision: str = "approve",
                   reason: str = "confirmed with the model owner") -> tuple[int, dict[str, Any]]:
    resp = invoke("ApprovalApiFunction", api_event("POST", "/approvals/{id}/decision", approval_id, caller,
                                                   {"decision": decision, "reason": reason}))
    return resp["statusCode"], json.loads(resp["body"])


RESPONSE_URL = "https://hooks.slack.com/actions/T0AIDR/1/xyz"


def slack_body(approval_id: str, action: str = "aidr_approve", user: str = "U0ALICE", team: str = "T0AIDR",
               reason: str | None = "looked at the evidence", message: dict[str, Any] | None = None,
               response_url: str = RESPONSE_URL) -> str:
    """A block_actions payload as Slack sends it; ``message`` is the message the buttons are in."""
    payload: dict[str, Any] = {
        "type": "block_actions", "team": {"id": team, "domain": "example"},
        "user": {"id": user, "username": "alice", "team_id": team},
        "actions": [{"action_id": action, "block_id": "b1", "value": approval_id, "type": "button",
                     "action_ts": "1767225600.000100"}],
        "state": {"values": {"aidr_reason": {"reason": {"type": "plain_text_input", "value": reason}}}},
        "response_url": response_url,
    }
    if message is not None:
        payload["message"] = message
    return urllib.parse.urlencode({"payload": json.dumps(payload)})


def slack_event(body: str, timestamp: int | None = None, signature: str | None = None,
                secret: str = SIGNING_SECRET) -> dict[str, Any]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": ts,
               "X-Slack-Signature": signature if signature is not None else sign(secret, ts, body)}
    return {"resource": "/slack/interactivity", "path": "/slack/interactivity", "httpMethod": "POST",
            "headers": headers, "requestContext": {"identity": {"userArn": None, "sourceIp": "203.0.113.9"}},
            "body": body, "isBase64Encoded": False}
