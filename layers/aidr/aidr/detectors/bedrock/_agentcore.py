"""What the AgentCore control-plane detectors share: reading request members CloudTrail may have redacted.

CloudTrail records ``bedrock-agentcore.amazonaws.com`` management events with their ``requestParameters``, but
members the API marks sensitive (a gateway target's ``name``, inline tool schemas) can read
``HIDDEN_DUE_TO_SECURITY_REASONS``, and a whole structure can be replaced by such a string or left out. So a
member is read only where every level is an object, and a leaf is used only when it has the shape the AgentCore
Control API gives it (its ``pattern``): a redacted or missing value is skipped, never judged.

Examples
--------
>>> member({"a": {"b": "x"}}, "a", "b"), member({"a": "HIDDEN_DUE_TO_SECURITY_REASONS"}, "a", "b")
('x', None)
>>> lambda_account("arn:aws:lambda:us-east-1:444455556666:function:tools")
'444455556666'
>>> lambda_account("HIDDEN_DUE_TO_SECURITY_REASONS") is None
True
>>> runtime_account("arn:aws:bedrock-agentcore:us-east-1:444455556666:runtime/helper-a1B2c3D4e5")
'444455556666'
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote, urlsplit

from ...normalize.cloudtrail import ApiCall

SERVICE = "bedrock-agentcore"
FUNCTION = "DetectBedrockFunction"
RUNTIME_CALLS = ("CreateAgentRuntime", "UpdateAgentRuntime")
TARGET_CALLS = ("CreateGatewayTarget", "UpdateGatewayTarget")

# Patterns of the AgentCore Control API (botocore bedrock-agentcore-control service model).
_LAMBDA_ARN = re.compile(r"^arn:aws[a-zA-Z-]*:lambda:[a-z]{2}(?:-gov)?-[a-z]+-\d:(\d{12}):function:"
                         r"[\w.-]+(?::[\w$-]+)?$")
_RUNTIME_ARN = re.compile(r"^arn:aws(?:-[^:]+)?:bedrock-agentcore:[a-z0-9-]+:(\d{12}):runtime/"
                          r"[a-zA-Z][a-zA-Z0-9_]{0,47}-[a-zA-Z0-9]{10}$")
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
# AgentCore Runtime invocation URL, how an MCP server hosted on AgentCore Runtime is reached:
# https://bedrock-agentcore.<region>.amazonaws.com/runtimes/<url-encoded runtime ARN>/invocations?qualifier=...
_RUNTIME_URL_PATH = re.compile(r"^/runtimes/([^/]+)/invocations/?$")
REDACTED = frozenset({"HIDDEN_DUE_TO_SECURITY_REASONS", "REDACTED", "[REDACTED]", "<REDACTED>", "***"})


def member(parent: Any, *path: str) -> Any:
    """``parent[path[0]][path[1]]...``; None where a level is missing or redacted (a string, not an object)."""
    for key in path:
        parent = parent.get(key) if isinstance(parent, dict) else None
    return parent


def lambda_account(value: Any) -> str | None:
    """The account of a Lambda function ARN; None for anything else (redacted, absent, malformed)."""
    m = _LAMBDA_ARN.match(value) if isinstance(value, str) else None
    return m.group(1) if m else None


def runtime_account(value: Any) -> str | None:
    """The account of an AgentCore Runtime ARN; None for anything else."""
    m = _RUNTIME_ARN.match(value) if isinstance(value, str) else None
    return m.group(1) if m else None


def https_host(value: Any) -> str | None:
    """The host of an ``https://`` URL (the API's pattern for endpoints); None for a redacted or other value."""
    if not isinstance(value, str) or not value.lower().startswith("https://") or any(c.isspace() for c in value):
        return None
    try:
        host = urlsplit(value).hostname
    except ValueError:
        return None
    return host or None


def runtime_url_account(value: str) -> str | None:
    """The account of the runtime an AgentCore Runtime invocation URL names; None for any other URL."""
    parts = urlsplit(value)
    host = parts.hostname or ""
    if not (host.startswith("bedrock-agentcore.") and (host.endswith(".amazonaws.com")
                                                        or host.endswith(".amazonaws.com.cn"))):
        return None
    m = _RUNTIME_URL_PATH.match(parts.path)
    return runtime_account(unquote(m.group(1))) if m else None


def bucket(value: Any) -> str | None:
    """An S3 bucket name as the API accepts it; None for a redacted or absent one."""
    return value if isinstance(value, str) and _BUCKET.match(value) else None


def looks_like_image(value: Any) -> bool:
    """A container image reference with a registry host (``host/repo[:tag][@digest]``), not a redaction marker."""
    if not isinstance(value, str) or "/" not in value or any(c.isspace() for c in value):
        return False
    host = value.split("/", 1)[0]
    return "." in host or ":" in host or host == "localhost"


def runtime_id(call: ApiCall) -> str | None:
    """The runtime a Create/UpdateAgentRuntime call is about: the URI id, else the one the response names."""
    for value in (call.request_parameters.get("agentRuntimeId"), call.response_elements.get("agentRuntimeId"),
                  call.request_parameters.get("agentRuntimeName")):
        if isinstance(value, str) and value not in REDACTED and re.fullmatch(r"[a-zA-Z][a-zA-Z0-9_-]{0,110}", value):
            return value
    return None


def runtime_arn(call: ApiCall, ident: str) -> str:
    arn = call.response_elements.get("agentRuntimeArn")
    if isinstance(arn, str) and runtime_account(arn):
        return arn
    return f"arn:aws:bedrock-agentcore:{call.region or ''}:{call.account or ''}:runtime/{ident}"
