"""Tell the on-call engineers an approval waits: SNS (e-mail) always, a Slack incoming webhook when configured.

Messages carry the approval id, the finding (as its detector masked it), its evidence and the exact plan; never
the task token. How to decide is spelled out: the CLI command, and the API route when its URL is known (a POST:
e-mail scanners pre-fetch links, so no link in a message decides anything).

The Slack webhook URL is a secret (anyone holding it can post to the channel): it is read from Secrets Manager
(the secret's ARN is in ``AIDR_SLACK_WEBHOOK_SECRET_ARN``), kept in memory only, and never logged or put in an
error message. A Slack failure is logged and does not fail the request: SNS has delivered the message already.
"""

from __future__ import annotations

import json
import logging
import os
import re
import urllib.request
from typing import Any

from .store import Approval

logger = logging.getLogger(__name__)

SUBJECT_MAX = 99
SLACK_TIMEOUT_SECONDS = 5
SLACK_WEBHOOK_ENV = "AIDR_SLACK_WEBHOOK_SECRET_ARN"
API_URL_ENV = "AIDR_APPROVALS_API_URL"
SLACK_INTERACTIVE_ENV = "AIDR_SLACK_INTERACTIVE"
_UNPRINTABLE = re.compile(r"[^\x20-\x7e]+")
# Slack action ids the interactivity endpoint accepts.
ACTION_APPROVE, ACTION_REJECT, REASON_BLOCK, REASON_ACTION = "aidr_approve", "aidr_reject", "aidr_reason", "reason"


def subject(approval: Approval, escalation: bool) -> str:
    """E.g. ``aidr APPROVAL (ESCALATION) HIGH revoke-principal: Bedrock invocation logging deleted``."""
    f = approval.finding
    text = (f"aidr APPROVAL{' (ESCALATION)' if escalation else ''} {str(f.get('severity', '')).upper()} "
            f"{approval.playbook}: {f.get('title', approval.finding_id)}")
    text = " ".join(_UNPRINTABLE.sub(" ", text).split())
    return text if len(text) <= SUBJECT_MAX else text[: SUBJECT_MAX - 3].rstrip() + "..."


def how_to_decide(approval: Approval, api_url: str | None) -> list[str]:
    lines = [f"aidr approvals show {approval.id}",
             f"aidr approvals approve {approval.id} --reason '...'",
             f"aidr approvals reject {approval.id} --reason '...'"]
    if api_url:
        base = api_url.rstrip("/")
        lines += [f"GET {base}/approvals/{approval.id}  (SigV4-signed)",
                  f'POST {base}/approvals/{approval.id}/decision  {{"decision": "approve|reject", "reason": "..."}}']
    return lines


def message(approval: Approval, escalation: bool, api_url: str | None = None) -> dict[str, Any]:
    """The SNS message document (also the source of the Slack text)."""
    f = approval.finding
    return {
        "subject": subject(approval, escalation), "kind": "approval", "escalation": escalation,
        "approval_id": approval.id, "playbook": approval.playbook, "expires_at": approval.expires_at,
        "finding": {k: f.get(k) for k in ("id", "title", "severity", "category", "detector", "account", "region",
                                          "principal", "resources", "first_seen", "last_seen", "description")},
        "evidence": f.get("evidence") or {},
        "plan": approval.plan,
        "how_to_decide": how_to_decide(approval, api_url),
    }


def publish(sns_client: Any, topic_arn: str, approval: Approval, escalation: bool, api_url: str | None = None) -> str:
    """Publish the approval message to SNS; returns the message id (errors propagate: the request is retried)."""
    doc = message(approval, escalation, api_url)
    resp = sns_client.publish(
        TopicArn=topic_arn, Subject=doc["subject"], Message=json.dumps(doc, indent=2, sort_keys=True, default=str),
        MessageAttributes={
            "kind": {"DataType": "String", "StringValue": "approval"},
            "severity": {"DataType": "String", "StringValue": str(approval.finding.get("severity") or "unknown")},
            "escalation": {"DataType": "String", "StringValue": str(escalation).lower()},
        })
    return str(resp["MessageId"])


def _plan_lines(plan: list[dict[str, Any]]) -> str:
    lines = []
    for i, s in enumerate(plan, 1):
        flag = " (destructive)" if s.get("destructive") else ""
        lines.append(f"{i}. `{s.get('action')}` on `{s.get('target')}`{flag}: {s.get('changes', '')}")
    return "\n".join(lines) or "(no steps)"


def slack_blocks(approval: Approval, escalation: bool, interactive: bool, api_url: str | None = None) -> dict[str, Any]:
    """Block Kit message: the finding, the plan and, with interactivity on, a reason box and two buttons."""
    doc = message(approval, escalation, api_url)
    f = doc["finding"]
    principal = (f.get("principal") or {}).get("arn") or "n/a"
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": doc["subject"][:150]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": (
            f"*Approval* `{approval.id}`\n*Finding* {f.get('title')} ({f.get('severity')}, {f.get('category')})\n"
            f"*Principal* `{principal}`  *Account* {f.get('account')}  *Region* {f.get('region')}")}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "*Plan*\n" + _plan_lines(approval.plan)[:2900]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "*Evidence*\n```"
                                     + json.dumps(doc["evidence"], sort_keys=True, default=str)[:2800] + "```"}},
    ]
    if interactive:
        blocks += [
            {"type": "input", "block_id": REASON_BLOCK, "label": {"type": "plain_text", "text": "Reason"},
             "element": {"type": "plain_text_input", "action_id": REASON_ACTION}},
            {"type": "actions", "elements": [
                {"type": "button", "style": "primary", "action_id": ACTION_APPROVE, "value": approval.id,
                 "text": {"type": "plain_text", "text": "Approve"}},
                {"type": "button", "style": "danger", "action_id": ACTION_REJECT, "value": approval.id,
                 "text": {"type": "plain_text", "text": "Reject"}}]},
        ]
    blocks.append({"type": "context", "elements": [
        {"type": "mrkdwn", "text": "\n".join(how_to_decide(approval, api_url))[:2900]}]})
    return {"text": doc["subject"], "blocks": blocks}


def webhook_url(secrets_client: Any, secret_arn: str) -> str:
    """The webhook URL held in a Secrets Manager secret: the plain string, or JSON with a ``url`` key."""
    value = secrets_client.get_secret_value(SecretId=secret_arn)["SecretString"].strip()
    if value.startswith("{"):
        value = str(json.loads(value).get("url", ""))
    if not value.startswith("https://hooks.slack.com/"):
        raise ValueError("the Slack webhook secret does not hold an https://hooks.slack.com/ URL")
    return value


def post_json(url: str, body: dict[str, Any]) -> int:
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=SLACK_TIMEOUT_SECONDS) as resp:  # https://hooks.slack.com only (checked)
        return int(resp.status)


def post_slack(secrets_client: Any, secret_arn: str, approval: Approval, escalation: bool, interactive: bool,
               api_url: str | None = None, poster: Any = None) -> bool:
    """Post to the Slack webhook; True when Slack accepted it. Errors are logged without the URL, never raised."""
    try:
        url = webhook_url(secrets_client, secret_arn)
        (poster or post_json)(url, slack_blocks(approval, escalation, interactive, api_url))
        return True
    except Exception as e:  # the URL must never reach a log: report the error type only
        logger.warning("Slack notification of approval %s failed: %s", approval.id, type(e).__name__)
        return False


def notify(approval: Approval, escalation: bool, *, sns_client: Any, topic_arn: str, secrets_client: Any = None,
           env: dict[str, str] | None = None, poster: Any = None) -> dict[str, Any]:
    """SNS, then Slack when ``AIDR_SLACK_WEBHOOK_SECRET_ARN`` is set; returns what was sent."""
    env = dict(os.environ) if env is None else env
    api_url = env.get(API_URL_ENV) or None
    sent: dict[str, Any] = {"sns": publish(sns_client, topic_arn, approval, escalation, api_url), "slack": None}
    secret = env.get(SLACK_WEBHOOK_ENV)
    if secret and secrets_client is not None:
        interactive = env.get(SLACK_INTERACTIVE_ENV, "false").lower() == "true"
        sent["slack"] = post_slack(secrets_client, secret, approval, escalation, interactive, api_url, poster)
    return sent
