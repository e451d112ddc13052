"""SlackInteractivityFunction's work: verify a Slack request's signature, then decide through :mod:`.decide`.

Slack signs each request (signature version ``v0``): ``X-Slack-Signature`` is ``v0=`` + hex HMAC-SHA256 of
``v0:{X-Slack-Request-Timestamp}:{raw body}`` keyed with the app's signing secret. :func:`verify_signature`
recomputes it over the raw body, compares in constant time, and refuses timestamps more than five minutes from
now. A request replayed within those five minutes meets the single-use decision: "already resolved".

The approver is the Slack user, as ``slack:<team id>:<user id>``: list such ids (or patterns) in the config's
``approvers`` to let them decide from Slack. The reason comes from the message's reason box (required).

Examples
--------
>>> sig = sign("8f742231b10e8888abcd99yyyzzz85a5", "1531420618", "payload=%7B%7D")
>>> verify_signature("8f742231b10e8888abcd99yyyzzz85a5", "1531420618", "payload=%7B%7D", sig, now=1531420618)
>>> verify_signature("8f742231b10e8888abcd99yyyzzz85a5", "1531420618", "payload=%7B%7D", sig, now=1531421000)
Traceback (most recent call last):
...
aidr.approvals.errors.NotAuthenticated: Slack request timestamp is more than 300 s from now
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import urllib.parse
from typing import TYPE_CHECKING, Any

from .api import error_response, raw_body, respond
from .decide import decide
from .errors import ApprovalError, BadRequest, NotAuthenticated
from .notify import ACTION_APPROVE, ACTION_REJECT, REASON_ACTION, REASON_BLOCK

if TYPE_CHECKING:
    from ..config import AidrConfig
    from ..ledger import Ledger
    from .store import ApprovalStore

logger = logging.getLogger(__name__)

MAX_SKEW_SECONDS = 300
ACTIONS = {ACTION_APPROVE: "approve", ACTION_REJECT: "reject"}


def sign(signing_secret: str, timestamp: str, body: str) -> str:
    digest = hmac.new(signing_secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return f"v0={digest}"


def verify_signature(signing_secret: str, timestamp: str | None, body: str, signature: str | None,
                     now: float | None = None) -> None:
    """Raise :class:`NotAuthenticated` unless ``signature`` is Slack's v0 signature of a fresh request."""
    if not signing_secret:
        raise NotAuthenticated("no Slack signing secret is configured")
    if not timestamp or not signature:
        raise NotAuthenticated("the request is not signed by Slack")
    try:
        ts = int(timestamp)
    except ValueError:
        raise NotAuthenticated("Slack request timestamp is not a number") from None
    if abs((time.time() if now is None else now) - ts) > MAX_SKEW_SECONDS:
        raise NotAuthenticated(f"Slack request timestamp is more than {MAX_SKEW_SECONDS} s from now")
    if not hmac.compare_digest(sign(signing_secret, timestamp, body).encode(), signature.encode()):
        raise NotAuthenticated("the Slack signature does not match")


def _header(event: dict[str, Any], name: str) -> str | None:
    for k, v in (event.get("headers") or {}).items():
        if k.lower() == name.lower():
            return str(v)
    return None


def parse_interaction(body: str) -> tuple[str, str, str, Any]:
    """``(approval id, "approve" | "reject", caller, reason)`` of a ``block_actions`` payload."""
    try:
        payload = json.loads(urllib.parse.parse_qs(body, strict_parsing=True)["payload"][0])
    except (ValueError, KeyError, IndexError):
        raise BadRequest("not a Slack interactivity payload") from None
    actions = [a for a in payload.get("actions") or [] if a.get("action_id") in ACTIONS]
    if payload.get("type") != "block_actions" or len(actions) != 1:
        raise BadRequest("expected one approve or reject button action")
    user = payload.get("user") or {}
    team = (payload.get("team") or {}).get("id") or user.get("team_id")
    if not team or not user.get("id"):
        raise BadRequest("the payload names no Slack user")
    values = ((payload.get("state") or {}).get("values") or {}).get(REASON_BLOCK) or {}
    reason = (values.get(REASON_ACTION) or {}).get("value")
    return str(actions[0].get("value") or ""), ACTIONS[actions[0]["action_id"]], f"slack:{team}:{user['id']}", reason


def handle_slack(event: dict[str, Any], *, signing_secret: str, store: ApprovalStore, sfn_client: Any,
                 config: AidrConfig, ledger: Ledger | None = None, now: float | None = None) -> dict[str, Any]:
    """Answer one Slack interactivity request (API Gateway proxy event)."""
    body = raw_body(event)
    try:
        verify_signature(signing_secret, _header(event, "X-Slack-Request-Timestamp"), body,
                         _header(event, "X-Slack-Signature"), now)
        approval_id, decision, caller, reason = parse_interaction(body)
        doc = decide(store, approval_id, caller, decision, reason, config, sfn_client=sfn_client, ledger=ledger,
                     via="slack")
    except ApprovalError as e:
        logger.info("Slack decision refused: %s", type(e).__name__)
        if isinstance(e, NotAuthenticated):
            return error_response(e)
        # Slack shows the 200 answer's text to the user; refusals are answers too, not transport errors.
        return respond(200, {"response_type": "ephemeral", "replace_original": False,
                             "text": f"Not recorded: {e}"})
    return respond(200, {"response_type": "ephemeral", "replace_original": False,
                         "text": f"Approval {approval_id} {doc['decision']} by {caller}: {doc['reason']}"})
