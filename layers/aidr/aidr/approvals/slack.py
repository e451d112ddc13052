"""SlackInteractivityFunction's work: verify a Slack request's signature, then decide through :mod:`.decide`.

Slack signs each request (signature version ``v0``): ``X-Slack-Signature`` is ``v0=`` + hex HMAC-SHA256 of
``v0:{X-Slack-Request-Timestamp}:{raw body}`` keyed with the app's signing secret. :func:`verify_signature`
recomputes it over the raw body, compares in constant time, and refuses timestamps more than five minutes from
now. A request replayed within those five minutes meets the single-use decision: "already resolved".

The approver is the Slack user, as ``slack:<team id>:<user id>``: list such ids (or patterns) in the config's
``approvers`` to let them decide from Slack. The reason comes from the message's reason box (required).

Slack ignores the body of the answer to a button click; replies go to the ``response_url`` of the (verified)
payload, on Slack's own hosts only. A decision replaces the approval message for the whole channel: the same
finding and plan, without the reason box and the buttons, with who decided, how and why. A refusal is shown to the
person who clicked only. A reply that fails is logged and changes nothing: the decision is recorded either way.

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
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import notify
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
# Where Slack's response URLs live (commercial and GovSlack); nothing else is ever posted to.
RESPONSE_HOSTS = frozenset({"hooks.slack.com", "hooks.slack-gov.com"})
# Blocks of the approval message that ask for a decision; gone once it is made.
ASKING_BLOCKS = frozenset({"actions", "input", "context"})
_MRKDWN_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


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


@dataclass(frozen=True)
class Interaction:
    """One click on an approval message's Approve or Reject button."""

    approval_id: str
    decision: str  # "approve" | "reject"
    caller: str  # slack:<team id>:<user id>
    reason: Any
    user_id: str
    response_url: str | None  # None when the payload's is not on Slack's hosts
    message: dict[str, Any] | None  # the approval message the buttons were in


def response_url(value: Any) -> str | None:
    """``value`` when it is an https URL on Slack's hooks hosts (no credentials, no port); else None.

    >>> response_url("https://hooks.slack.com/actions/T1/1/abc")
    'https://hooks.slack.com/actions/T1/1/abc'
    >>> response_url("https://hooks.slack.com@attacker.example/x") is None
    True
    """
    if not isinstance(value, str):
        return None
    try:
        url = urllib.parse.urlsplit(value)
        port = url.port
    except ValueError:
        return None
    ok = url.scheme == "https" and url.hostname in RESPONSE_HOSTS and port is None and not url.username
    return value if ok else None


def parse_interaction(body: str) -> Interaction:
    """The click in a ``block_actions`` payload."""
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
    message = payload.get("message")
    return Interaction(
        approval_id=str(actions[0].get("value") or ""),
        decision=ACTIONS[actions[0]["action_id"]],
        caller=f"slack:{team}:{user['id']}",
        reason=(values.get(REASON_ACTION) or {}).get("value"),
        user_id=str(user["id"]),
        response_url=response_url(payload.get("response_url")),
        message=message if isinstance(message, dict) else None,
    )


def decided_message(click: Interaction, doc: dict[str, Any]) -> dict[str, Any]:
    """The approval message as decided, for everyone in the channel (replaces the original)."""
    verdict = "Approved" if doc["decision"] == "approved" else "Rejected"
    reason = str(doc.get("reason") or "").translate(_MRKDWN_ESCAPES)
    text = f"*{verdict}* by <@{click.user_id}> (`{doc['by']}`) at {doc.get('at')}: {reason}"
    blocks = [b for b in (click.message or {}).get("blocks") or []
              if isinstance(b, dict) and b.get("type") not in ASKING_BLOCKS]
    blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}})
    plain = f"Approval {doc['approval_id']} {doc['decision']} by {doc['by']}: {doc.get('reason')}"
    return {"replace_original": True, "text": plain, "blocks": blocks}


def refusal_message(error: ApprovalError) -> dict[str, Any]:
    """Why a click was not recorded, for the person who clicked only."""
    return {"response_type": "ephemeral", "replace_original": False, "text": f"Not recorded: {error}"}


def reply(click: Interaction, body: dict[str, Any], poster: Callable[[str, dict[str, Any]], Any] | None = None) -> bool:
    """Post ``body`` to the click's response URL; True when sent. Errors are logged (type only), never raised."""
    if click.response_url is None:
        logger.info("Slack reply for approval %s skipped: no Slack response URL", click.approval_id)
        return False
    try:
        (poster or notify.post_json)(click.response_url, body)
        return True
    except Exception as e:  # the response URL is a bearer credential for the message: never logged
        logger.warning("Slack reply for approval %s failed: %s", click.approval_id, type(e).__name__)
        return False


def handle_slack(event: dict[str, Any], *, signing_secret: str, store: ApprovalStore, sfn_client: Any,
                 config: AidrConfig, ledger: Ledger | None = None, now: float | None = None,
                 poster: Callable[[str, dict[str, Any]], Any] | None = None) -> dict[str, Any]:
    """Answer one Slack interactivity request (API Gateway proxy event)."""
    body = raw_body(event)
    click: Interaction | None = None
    try:
        verify_signature(signing_secret, _header(event, "X-Slack-Request-Timestamp"), body,
                         _header(event, "X-Slack-Signature"), now)
        click = parse_interaction(body)
        doc = decide(store, click.approval_id, click.caller, click.decision, click.reason, config,
                     sfn_client=sfn_client, ledger=ledger, via="slack")
    except ApprovalError as e:
        logger.info("Slack decision refused: %s", type(e).__name__)
        if isinstance(e, NotAuthenticated):
            return error_response(e)  # nothing is posted for a request Slack did not sign
        refusal = refusal_message(e)
        if click is not None:
            reply(click, refusal, poster)
        # Refusals are answers, not transport errors: 200 (Slack would show its own error for anything else).
        return respond(200, refusal)
    reply(click, decided_message(click, doc), poster)
    return respond(200, {"response_type": "ephemeral", "replace_original": False,
                         "text": f"Approval {click.approval_id} {doc['decision']} by {click.caller}: {doc['reason']}"})
