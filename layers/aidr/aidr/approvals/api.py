"""ApprovalApiFunction's work: the approvals API behind API Gateway (REST API, ``AWS_IAM`` authorisation).

Routes (Lambda proxy integration):

- ``GET /approvals`` - pending approvals (``?status=approved`` etc. for others);
- ``GET /approvals/{id}`` - one approval: finding, evidence, plan, status (never the task token);
- ``POST /approvals/{id}/decision`` with ``{"decision": "approve" | "reject", "reason": "..."}``.

The caller is the IAM principal that signed the request, as API Gateway verified it:
``requestContext.identity.userArn`` (an assumed-role session ARN for roles). A request without it is refused
(401) even though API Gateway refuses unsigned requests first: the function never trusts that it is only reached
through the API. Answers: 200 decided, 400 malformed, 401 unauthenticated, 403 not an approver or its own
containment, 404 unknown id, 409 already resolved.
"""

from __future__ import annotations

import base64
import json
import logging
from typing import TYPE_CHECKING, Any

from .decide import decide
from .errors import ApprovalError, BadRequest, NotAuthenticated, NotFound
from .store import PENDING, ApprovalStore

if TYPE_CHECKING:
    from ..config import AidrConfig
    from ..ledger import Ledger

logger = logging.getLogger(__name__)

JSON_HEADERS = {"Content-Type": "application/json", "Cache-Control": "no-store"}


def respond(status: int, body: dict[str, Any] | list[Any]) -> dict[str, Any]:
    return {"statusCode": status, "headers": dict(JSON_HEADERS), "body": json.dumps(body, sort_keys=True, default=str)}


def error_response(e: ApprovalError) -> dict[str, Any]:
    return respond(e.status, {"error": type(e).__name__, "message": str(e)})


def raw_body(event: dict[str, Any]) -> str:
    body = event.get("body") or ""
    return base64.b64decode(body).decode() if event.get("isBase64Encoded") else body


def caller_arn(event: dict[str, Any]) -> str | None:
    """The SigV4-verified caller API Gateway puts in the request context (None when the request was not signed)."""
    identity = (event.get("requestContext") or {}).get("identity") or {}
    arn = identity.get("userArn")
    return arn if isinstance(arn, str) and arn.startswith("arn:") else None


def handle_api(event: dict[str, Any], *, store: ApprovalStore, sfn_client: Any, config: AidrConfig,
               ledger: Ledger | None = None) -> dict[str, Any]:
    """Answer one API Gateway proxy event."""
    method, resource = event.get("httpMethod"), event.get("resource")
    approval_id = (event.get("pathParameters") or {}).get("id")
    caller = caller_arn(event)
    try:
        if caller is None:
            raise NotAuthenticated("the request is not signed by an IAM principal")
        if method == "GET" and resource == "/approvals":
            status = (event.get("queryStringParameters") or {}).get("status") or PENDING
            return respond(200, {"approvals": [a.public() for a in store.list(status)]})
        if method == "GET" and resource == "/approvals/{id}" and approval_id:
            found = store.get(approval_id)
            if found is None:
                raise NotFound(f"no approval {approval_id}")
            return respond(200, found.public())
        if method == "POST" and resource == "/approvals/{id}/decision" and approval_id:
            try:
                body = json.loads(raw_body(event) or "{}")
            except ValueError:
                raise BadRequest("the body is not JSON") from None
            if not isinstance(body, dict):
                raise BadRequest("the body must be a JSON object")
            doc = decide(store, approval_id, caller, body.get("decision"), body.get("reason"), config,
                         sfn_client=sfn_client, ledger=ledger, via="api")
            logger.info("approval %s %s by %s", approval_id, doc["decision"], caller)
            return respond(200, doc)
        return respond(404, {"error": "NotFound", "message": f"no route {method} {resource}"})
    except ApprovalError as e:
        logger.info("approval %s refused for %s: %s", approval_id, caller, type(e).__name__)
        return error_response(e)
