"""Knowing what is an AI resource: configuration plus an inventory learned from events.

Detectors ask small questions (``is_ai_bucket``, ``is_ai_role``, ``is_ai_user``, ``is_ai_lambda``) and get an
answer that combines:

- the config: ``protected_data_buckets`` (always AI data), ``ai_resource_tags`` (tags seen on CreateRole /
  CreateUser);
- what ``learn_from`` saw in CloudTrail and kept in ``ctx.state``: roles and users that invoke Bedrock, roles
  passed to SageMaker or Bedrock (execution, agent, knowledge-base, customization roles), roles that trust an AI
  service principal, S3 buckets used as training input, model artifacts or knowledge-base sources, Lambda
  functions wired to agents as action-group executors;
- the names the SageMaker and Bedrock consoles give the execution roles they create.

Facts are sets of reasons under one state key per resource (``inv:<kind>:<id>``), so learning is an idempotent
``add`` and a question is one read. ``learn_from`` is cheap for calls it does not care about (one set lookup).

Examples
--------
>>> from aidr.config import AidrConfig
>>> from aidr.detectors.context import DetectContext
>>> from aidr.state import MemoryState
>>> ctx = DetectContext(AidrConfig(protected_data_buckets=["kb-docs"]), MemoryState())
>>> is_ai_bucket("kb-docs", ctx), is_ai_bucket("web-assets", ctx)
(True, False)
>>> is_ai_role("arn:aws:iam::111122223333:role/service-role/AmazonSageMaker-ExecutionRole-20240101T000000", ctx)
True
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from .normalize.cloudtrail import ApiCall
from .normalize.iam_policy import load_document, principals, statements

if TYPE_CHECKING:
    from .config import AidrConfig
    from .detectors.context import DetectContext

# Inventory facts outlive any detection window: a training bucket stays one for the life of the model.
INVENTORY_TTL = 400 * 86400

# Service principals whose trust makes a role an AI execution role.
AI_SERVICE_PRINCIPALS = frozenset(
    {"sagemaker.amazonaws.com", "bedrock.amazonaws.com", "bedrock-agentcore.amazonaws.com"}
)
# Names the SageMaker and Bedrock consoles give the roles they create (AmazonSageMaker-ExecutionRole-<date>,
# AmazonBedrockExecutionRoleForAgents_<id>, ...ForKnowledgeBase_<id>).
AI_ROLE_NAME_PREFIXES = ("AmazonSageMaker-ExecutionRole", "AmazonBedrockExecutionRole", "AmazonSageMakerServiceCatalog",
                         "AmazonBedrockAgentCore")
# Names the Bedrock Agents console and the AgentCore starter toolkit give agent execution roles
# (AmazonBedrockExecutionRoleForAgents_<id>, AmazonBedrockAgentCoreSDKRuntime-<region>-<hash>). template.yaml's
# AgentRoleActivityRule routes these roles' calls by the same prefixes.
AGENT_ROLE_NAME_PREFIXES = ("AmazonBedrockExecutionRoleForAgents_", "AmazonBedrockAgentCore")
# IAM users Bedrock creates behind long-term API keys.
AI_USER_NAME_PREFIXES = ("BedrockAPIKey-",)

# Calls whose caller is, by that call, an AI principal.
BEDROCK_USE_CALLS = frozenset(
    {
        "InvokeModel",
        "InvokeModelWithResponseStream",
        "Converse",
        "ConverseStream",
        "InvokeAgent",
        "InvokeInlineAgent",
        "Retrieve",
        "RetrieveAndGenerate",
        "RetrieveAndGenerateStream",
        "ApplyGuardrail",
    }
)
_CHANGE_PREFIXES = ("Create", "Update", "Start", "Put", "Associate")
_IAM_CALLS = frozenset({"CreateRole", "UpdateAssumeRolePolicy", "CreateUser", "TagRole", "TagUser"})
_AI_SERVICES = ("sagemaker", "bedrock", "bedrock-agentcore")
# Calls that hand a role to an agent as its execution role: Bedrock Agents (agentResourceRoleArn) and AgentCore
# runtimes (roleArn).
AGENT_ROLE_CALLS = frozenset(
    {
        ("bedrock", "CreateAgent"),
        ("bedrock", "UpdateAgent"),
        ("bedrock-agentcore", "CreateAgentRuntime"),
        ("bedrock-agentcore", "UpdateAgentRuntime"),
    }
)
_AGENT_TRUST = "trusts:bedrock-agentcore.amazonaws.com"

# Request-parameter keys (lower case) that carry a role passed to the service, an S3 location, a Lambda.
_ROLE_KEYS = frozenset(
    {"rolearn", "executionrolearn", "executionrole", "agentresourcerolearn", "servicerolearn", "customerrolearn"}
)
_BUCKET_KEYS = frozenset({"s3outputpath", "modeldataurl", "bucketarn", "s3location"})
_LAMBDA_KEYS = frozenset({"lambda", "lambdaarn", "executorlambdaarn"})
_MAX_DEPTH = 8

_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:(?:iam|sts)::(\d{12}|[^:]*):(role|assumed-role|user)/(.+)$")
_S3_URI = re.compile(r"^s3a?://([^/]+)")
_S3_ARN = re.compile(r"^arn:aws[a-z-]*:s3:::([^/]+)")


# --------------------------------------------------------------------------------------------- identifiers
def principal_parts(arn: str | None) -> tuple[str, str, str] | None:
    """``(kind, account, name)`` for an IAM role/user ARN or an assumed-role session ARN.

    The role name drops the path (IAM events give names without it) and the session name.

    >>> principal_parts("arn:aws:sts::111122223333:assumed-role/ml-train/botocore-session-1")
    ('role', '111122223333', 'ml-train')
    >>> principal_parts("arn:aws:iam::111122223333:role/service-role/AmazonSageMaker-ExecutionRole-1")
    ('role', '111122223333', 'AmazonSageMaker-ExecutionRole-1')
    """
    if not arn:
        return None
    m = _ROLE_ARN.match(arn)
    if not m:
        return None
    account, kind, rest = m.groups()
    if kind == "assumed-role":
        return "role", account, rest.split("/", 1)[0]
    return kind, account, rest.rsplit("/", 1)[-1]


def arn_account(arn: str | None) -> str | None:
    """The account field of an ARN (None when absent, e.g. S3 bucket ARNs)."""
    if not arn or not arn.startswith("arn:"):
        return None
    parts = arn.split(":", 5)
    return parts[4] if len(parts) > 4 and parts[4] else None


def s3_bucket(location: Any) -> str | None:
    """The bucket of an ``s3://`` URI or an S3 ARN.

    >>> s3_bucket("s3://train-data/2024/part-0.parquet"), s3_bucket("arn:aws:s3:::kb-docs")
    ('train-data', 'kb-docs')
    """
    if not isinstance(location, str):
        return None
    m = _S3_URI.match(location) or _S3_ARN.match(location)
    return m.group(1) if m else None


def tag_reason(tags: Any, config: AidrConfig) -> str | None:
    """``tag:<key>=<value>`` when ``tags`` match ``ai_resource_tags``.

    ``tags`` is CloudTrail's ``[{"key": ..., "value": ...}]`` (IAM) or a plain mapping.
    """
    if not config.ai_resource_tags:
        return None
    pairs: list[tuple[str, str]] = []
    if isinstance(tags, dict):
        pairs = [(str(k), str(v)) for k, v in tags.items()]
    elif isinstance(tags, list):
        for t in tags:
            if isinstance(t, dict):
                k = t.get("key", t.get("Key"))
                v = t.get("value", t.get("Value", ""))
                if isinstance(k, str):
                    pairs.append((k, str(v)))
    for k, v in pairs:
        wanted = config.ai_resource_tags.get(k)
        if wanted is not None and (not wanted or v in wanted):
            return f"tag:{k}={v}"
    return None


# --------------------------------------------------------------------------------------------- facts
def _key(kind: str, ident: str) -> str:
    return f"inv:{kind}:{ident}"


def _role_ident(account: str | None, name: str) -> str:
    return f"{account or '-'}:{name}"


def _resolve(arn_or_name: str, kind: str, account: str | None) -> tuple[str | None, str] | None:
    parts = principal_parts(arn_or_name)
    if parts:
        return (parts[1], parts[2]) if parts[0] == kind else None
    if arn_or_name.startswith("arn:"):
        return None
    return account, arn_or_name


_LEARNED_BUCKETS = "inv:ai-buckets"  # every learned bucket, for account-wide questions


def mark(ctx: DetectContext, kind: str, ident: str, reason: str, ts: float) -> bool:
    """Record that ``ident`` is an AI resource of ``kind`` for ``reason``; False when already known."""
    added = ctx.state.add(_key(kind, ident), reason, ts, INVENTORY_TTL)
    if added and kind == "ai-bucket":
        ctx.state.add(_LEARNED_BUCKETS, ident, ts, INVENTORY_TTL)
    return added


def mark_principal(ctx: DetectContext, arn_or_name: str, kind: str, reason: str, ts: float,
                   account: str | None = None) -> None:
    ident = _resolve(arn_or_name, kind, account)
    if ident:
        mark(ctx, f"ai-{kind}", _role_ident(*ident), reason, ts)


def _reasons(ctx: DetectContext, kind: str, ident: str) -> list[str]:
    return [m.member for m in ctx.state.members(_key(kind, ident))]


def bucket_reasons(name: str | None, ctx: DetectContext) -> list[str]:
    """Why ``name`` is an AI data bucket (empty when it is not)."""
    if not name:
        return []
    out = []
    if is_protected_bucket(name, ctx):
        out.append("config:protected_data_buckets")
    return out + _reasons(ctx, "ai-bucket", name)


def is_protected_bucket(name: str | None, ctx: DetectContext) -> bool:
    """True for buckets listed in ``protected_data_buckets`` (names; ``*`` wildcards allowed)."""
    return bool(name) and any(fnmatch.fnmatchcase(name, p) for p in ctx.config.protected_data_buckets)  # type: ignore[arg-type]


def is_ai_bucket(name: str | None, ctx: DetectContext) -> bool:
    return bool(bucket_reasons(name, ctx))


def known_ai_buckets(ctx: DetectContext, limit: int = 50) -> list[str]:
    """AI data buckets known so far: configured ones (patterns as written) first, then learned ones."""
    learned = [m.member for m in ctx.state.members(_LEARNED_BUCKETS)]
    return list(dict.fromkeys([*ctx.config.protected_data_buckets, *learned]))[:limit]


def principal_reasons(arn_or_name: str | None, ctx: DetectContext, kind: str = "role",
                      account: str | None = None) -> list[str]:
    """Why a role (``kind="role"``) or user (``kind="user"``) is an AI principal (empty when it is not)."""
    if not arn_or_name:
        return []
    ident = _resolve(arn_or_name, kind, account)
    if not ident:
        return []
    acct, name = ident
    out = []
    prefixes = AI_ROLE_NAME_PREFIXES if kind == "role" else AI_USER_NAME_PREFIXES
    if name.startswith(prefixes):
        out.append("name")
    return out + _reasons(ctx, f"ai-{kind}", _role_ident(acct, name))


def is_ai_role(arn_or_name: str | None, ctx: DetectContext, account: str | None = None) -> bool:
    return bool(principal_reasons(arn_or_name, ctx, "role", account))


def is_ai_user(arn_or_name: str | None, ctx: DetectContext, account: str | None = None) -> bool:
    return bool(principal_reasons(arn_or_name, ctx, "user", account))


def is_ai_lambda(arn: str | None, ctx: DetectContext) -> bool:
    return bool(arn) and bool(_reasons(ctx, "ai-lambda", arn))  # type: ignore[arg-type]


def agent_role_reasons(arn_or_name: str | None, ctx: DetectContext, account: str | None = None) -> list[str]:
    """Why a role is an agent (Bedrock Agents or AgentCore) execution role; empty when it is not.

    Reasons: the console/toolkit name (``name``), having been handed to an agent (``bedrock:CreateAgent``,
    ``bedrock-agentcore:CreateAgentRuntime``...), or a trust policy for ``bedrock-agentcore.amazonaws.com``.

    >>> from aidr.config import AidrConfig
    >>> from aidr.detectors.context import DetectContext
    >>> from aidr.state import MemoryState
    >>> ctx = DetectContext(AidrConfig(), MemoryState())
    >>> agent_role_reasons("arn:aws:iam::111122223333:role/service-role/AmazonBedrockExecutionRoleForAgents_K1", ctx)
    ['name']
    """
    ident = _resolve(arn_or_name, "role", account) if arn_or_name else None
    if not ident:
        return []
    acct, name = ident
    out = ["name"] if name.startswith(AGENT_ROLE_NAME_PREFIXES) else []
    out += _reasons(ctx, "agent-role", _role_ident(acct, name))
    if _AGENT_TRUST in _reasons(ctx, "ai-role", _role_ident(acct, name)):
        out.append(_AGENT_TRUST)
    return out


# --------------------------------------------------------------------------------------------- learning
def learn_from(call: ApiCall, ctx: DetectContext) -> None:
    """Update the inventory from one CloudTrail call. Failed calls teach nothing.

    Meant to see every routed call (it ignores those it has nothing to learn from): :class:`aidr.engine.Engine`
    calls it on each CloudTrail API call before the function's detectors run.
    """
    if call.error_code:
        return
    name, service = call.event_name, call.service
    ts = ctx.when(call.time).timestamp()
    if service == "bedrock" and name in BEDROCK_USE_CALLS:
        _learn_actor(call, ctx, ts)
    elif service in _AI_SERVICES and name.startswith(_CHANGE_PREFIXES):
        _learn_resources(call, ctx, f"{service}:{name}", ts)
        if (service, name) in AGENT_ROLE_CALLS:
            for account, role, _ in passed_roles(call.request_parameters):
                mark(ctx, "agent-role", _role_ident(account, role), f"{service}:{name}", ts)
    elif service == "iam" and name in _IAM_CALLS:
        _learn_identity(call, ctx, ts)
    elif service == "s3" and name == "PutBucketTagging":
        _learn_bucket_tags(call, ctx, ts)


def _learn_actor(call: ApiCall, ctx: DetectContext, ts: float) -> None:
    parts = principal_parts(call.actor_arn)
    if parts and parts[0] in ("role", "user"):
        mark(ctx, f"ai-{parts[0]}", _role_ident(parts[1], parts[2]), "invokes-bedrock", ts)


def _walk(obj: Any, depth: int = 0) -> Iterator[tuple[str, Any]]:
    """(key in lower case, value) pairs of a nested request, depth-first, bounded."""
    if depth > _MAX_DEPTH:
        return
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield str(k).lower(), v
            yield from _walk(v, depth + 1)
    elif isinstance(obj, list):
        for v in obj[:100]:
            yield from _walk(v, depth + 1)


def passed_roles(params: dict[str, Any]) -> list[tuple[str, str, str]]:
    """``(account, role name, request key)`` of every IAM role a create/update request hands to a service."""
    out = []
    for key, value in _walk(params):
        if key in _ROLE_KEYS and isinstance(value, str):
            parts = principal_parts(value)
            if parts and parts[0] == "role":
                out.append((parts[1], parts[2], key))
    return list(dict.fromkeys(out))


def _learn_resources(call: ApiCall, ctx: DetectContext, reason: str, ts: float) -> None:
    for key, value in _walk(call.request_parameters):
        if not isinstance(value, str):
            continue
        if key in _ROLE_KEYS:
            parts = principal_parts(value)
            if parts and parts[0] == "role":
                mark(ctx, "ai-role", _role_ident(parts[1], parts[2]), reason, ts)
        elif key in _BUCKET_KEYS or key.endswith("s3uri"):
            bucket = s3_bucket(value)
            if bucket:
                mark(ctx, "ai-bucket", bucket, reason, ts)
        elif key in _LAMBDA_KEYS and value.startswith("arn:") and ":lambda:" in value:
            mark(ctx, "ai-lambda", value, reason, ts)


def _learn_identity(call: ApiCall, ctx: DetectContext, ts: float) -> None:
    p = call.request_parameters
    account = call.account
    if call.event_name in ("CreateUser", "TagUser"):
        reason = tag_reason(p.get("tags"), ctx.config)
        if reason and isinstance(p.get("userName"), str):
            mark(ctx, "ai-user", _role_ident(account, p["userName"]), reason, ts)
        return
    role = p.get("roleName")
    if not isinstance(role, str):
        return
    ident = _role_ident(account, role)
    trust = load_document(p.get("assumeRolePolicyDocument") or p.get("policyDocument"))
    for stmt in statements(trust):
        for svc in principals(stmt).services & AI_SERVICE_PRINCIPALS:
            mark(ctx, "ai-role", ident, f"trusts:{svc}", ts)
    reason = tag_reason(p.get("tags"), ctx.config)
    if reason:
        mark(ctx, "ai-role", ident, reason, ts)


def _learn_bucket_tags(call: ApiCall, ctx: DetectContext, ts: float) -> None:
    """PutBucketTagging: CloudTrail keeps the XML body as ``Tagging.TagSet.Tag`` (one object, or a list)."""
    p = call.request_parameters
    tagging = p.get("Tagging")
    tag_set = tagging.get("TagSet") if isinstance(tagging, dict) else None
    tags = tag_set.get("Tag") if isinstance(tag_set, dict) else None
    reason = tag_reason([tags] if isinstance(tags, dict) else tags, ctx.config)
    if reason and isinstance(p.get("bucketName"), str):
        mark(ctx, "ai-bucket", p["bucketName"], reason, ts)
