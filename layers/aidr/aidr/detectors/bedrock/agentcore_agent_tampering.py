"""AgentCore gateway targets wired to another account or an external server; runtime role and network changes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ...findings.model import Finding, Resource
from ...normalize.cloudtrail import ApiCall
from ..context import DetectContext
from ..patterns import api_calls
from ..registry import DetectorMeta, detector
from ._agentcore import (
    FUNCTION,
    REDACTED,
    RUNTIME_CALLS,
    SERVICE,
    TARGET_CALLS,
    https_host,
    lambda_account,
    member,
    runtime_account,
    runtime_arn,
    runtime_id,
    runtime_url_account,
)

# (what, path under targetConfiguration) of the members that name where a target's tool calls go, per the
# AgentCore Control API (McpTargetConfiguration, HttpTargetConfiguration).
ARN_MEMBERS = (("lambda", ("mcp", "lambda", "lambdaArn"), lambda_account),
               ("agentcore runtime", ("http", "agentcoreRuntime", "arn"), runtime_account))
ENDPOINT_MEMBERS = (("mcp server", ("mcp", "mcpServer", "endpoint")),
                    ("passthrough endpoint", ("http", "passthrough", "endpoint")))
BASELINE_TTL = 400 * 86400
_ROLE_ARN = re.compile(r"^arn:aws(?:-[^:]+)?:iam::\d{12}:role/.+$")  # RoleArn pattern, account required
NETWORK_MODES = ("PUBLIC", "VPC")


@detector(
    id="agentcore.agent_tampering",
    title="AgentCore gateway target or runtime configuration tampered with",
    category="agent-tampering",
    severity="high",
    phase="enhanced",
    techniques=["AML.T0070", "AML.T0051"],
    playbook=None,  # gateway targets have no containment playbook yet
    function=FUNCTION,
    events=[api_calls(SERVICE, [*TARGET_CALLS, *RUNTIME_CALLS])],
    description=(
        "A gateway target is a tool every agent behind the gateway may call: the gateway sends it the tool "
        "arguments (often user data) and hands its answer back to the model. CreateGatewayTarget / "
        "UpdateGatewayTarget whose Lambda (targetConfiguration.mcp.lambda.lambdaArn) or AgentCore runtime is in "
        "another account gives that account the agent's tool calls and a say in its answers: high, whoever made "
        "the change. A target that is an MCP server or passthrough endpoint outside AWS "
        "(targetConfiguration.mcp.mcpServer.endpoint) is medium, unless a trusted principal made the change. "
        "UpdateAgentRuntime that replaces the runtime's execution role (roleArn) or moves it from VPC to PUBLIC "
        "networking (networkConfiguration.networkMode), against what the last Create/UpdateAgentRuntime set, is "
        "medium unless a trusted principal made it. "
        "Values CloudTrail redacts or leaves out are skipped; failed calls are ignored."
    ),
    false_positives=[
        "Shared-services or partner accounts that legitimately host tool Lambdas or runtimes.",
        "Third-party MCP servers adopted on purpose, wired by someone not listed in trusted_principals.",
        "MCP servers the team hosts itself behind its own domain, API Gateway or a Lambda function URL.",
        "A deployment pipeline not listed in trusted_principals rotating a runtime's role or network setup.",
    ],
    references=[
        "https://docs.aws.amazon.com/bedrock-agentcore-control/latest/APIReference/API_CreateGatewayTarget.html",
        "https://docs.aws.amazon.com/bedrock-agentcore-control/latest/APIReference/API_McpTargetConfiguration.html",
        "https://docs.aws.amazon.com/bedrock-agentcore-control/latest/APIReference/API_UpdateAgentRuntime.html",
        "https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/gateway-event-types.html",
        "https://atlas.mitre.org/techniques/AML.T0070",
    ],
)
def detect(event: dict[str, Any], ctx: DetectContext) -> Iterator[Finding]:
    """Cross-account tool targets are high; external MCP servers and runtime role/network changes medium.

    Known false positives: shared-services accounts hosting tool Lambdas, deliberate third-party MCP servers,
    pipelines not listed as trusted principals that rotate runtime roles.
    """
    call = ApiCall(event["detail"])
    if call.error_code:
        return
    meta: DetectorMeta = detect.meta  # type: ignore[attr-defined]
    if call.event_name in TARGET_CALLS:
        yield from _gateway_target(call, ctx, meta)
    elif call.event_name in RUNTIME_CALLS:
        yield from _runtime_config(call, ctx, meta)


def _trusted(call: ApiCall, ctx: DetectContext) -> bool:
    return ctx.config.is_trusted(call.actor_arn) or ctx.config.is_trusted(call.actor_key)


def _ident(*values: Any) -> str | None:
    return next((v for v in values if isinstance(v, str) and v and v not in REDACTED), None)


def _gateway_target(call: ApiCall, ctx: DetectContext, meta: DetectorMeta) -> Iterator[Finding]:
    p, r = call.request_parameters, call.response_elements
    gateway = _ident(p.get("gatewayIdentifier"), r.get("gatewayArn"))
    config = p.get("targetConfiguration")
    if gateway is None or not isinstance(config, dict):
        return
    target = _ident(p.get("targetId"), r.get("targetId"))
    trusted = _trusted(call, ctx)
    gateway_arn = gateway if gateway.startswith("arn:") else \
        f"arn:aws:bedrock-agentcore:{call.region or ''}:{call.account or ''}:gateway/{gateway}"
    base = {"gateway": gateway, "target_id": target, "trusted_principal": trusted}
    resources = [Resource(type="AWS::BedrockAgentCore::Gateway", id=gateway_arn)]
    where = f"target {target} of gateway {gateway}" if target else f"a new target of gateway {gateway}"

    foreign = _foreign_member(call, config)
    if foreign:
        what, value, owner = foreign
        yield ctx.call_finding(
            meta, call, key=f"agentcore-target-foreign:{call.event_id or gateway}",
            title="AgentCore gateway target in another account", severity="high", resources=resources,
            description=(f"{call.actor_arn or call.actor_key} called {call.event_name}: {where} sends the "
                         f"agent's tool calls to {what} {value[:200]} in account {owner}, which then "
                         "receives the tool arguments and shapes what the agent is told."),
            evidence={**base, what.replace(" ", "_"): value, "target_account": owner})
        return
    external = _external_endpoint(config)
    if external and not trusted:
        what, url, host = external
        yield ctx.call_finding(
            meta, call, key=f"agentcore-target-external:{call.event_id or gateway}",
            title="AgentCore gateway target is an external server", severity="medium", resources=resources,
            description=(f"{call.actor_arn or call.actor_key} called {call.event_name}: {where} is the "
                         f"{what} {url[:200]} ({host}), outside AWS: whoever runs it sees the agent's tool "
                         "arguments and can answer with instructions the model will read."),
            evidence={**base, what.replace(" ", "_"): url[:300], "host": host})


def _runtime_config(call: ApiCall, ctx: DetectContext, meta: DetectorMeta) -> Iterator[Finding]:
    """Remember each runtime's role and network mode; report an update that swaps the role or leaves the VPC."""
    ident = runtime_id(call)
    if ident is None:
        return
    p = call.request_parameters
    role = p.get("roleArn") if isinstance(p.get("roleArn"), str) and _ROLE_ARN.match(p["roleArn"]) else None
    mode = member(p, "networkConfiguration", "networkMode")
    mode = mode if mode in NETWORK_MODES else None
    # Keyed by name: a runtime id is "<name>-<10 characters>", and a CreateAgentRuntime record whose response
    # CloudTrail left out names the runtime only by agentRuntimeName.
    name = ident.rsplit("-", 1)[0] if re.fullmatch(r"[a-zA-Z][a-zA-Z0-9_]{0,47}-[a-zA-Z0-9]{10}", ident) else ident
    key = f"agentcore:runtime-config:{call.account}:{call.region}:{name}"
    prev, version = ctx.state.get(key)
    prev = prev or {}
    ts = ctx.when(call.time).timestamp()
    if float(prev.get("ts") or 0) > ts:
        return  # an older call delivered late: the newer one already set the baseline
    ctx.state.put(key, {"ts": ts, "role": role or prev.get("role"), "mode": mode or prev.get("mode"),
                        "event_id": call.event_id}, version, BASELINE_TTL)
    if call.event_name != "UpdateAgentRuntime" or _trusted(call, ctx):
        return
    changes: dict[str, Any] = {}
    if role and prev.get("role") and role != prev["role"]:
        changes["role"] = {"from": prev["role"], "to": role}
    if mode == "PUBLIC" and prev.get("mode") == "VPC":
        changes["network_mode"] = {"from": "VPC", "to": "PUBLIC"}
    if not changes:
        return
    what = " and ".join(("its execution role replaced" if k == "role" else "its network moved from VPC to PUBLIC")
                        for k in changes)
    yield ctx.call_finding(
        meta, call, key=f"agentcore-runtime-config:{call.event_id or ident}",
        title="AgentCore runtime role or network changed", severity="medium",
        resources=[Resource(type="AWS::BedrockAgentCore::Runtime", id=runtime_arn(call, ident))],
        description=(f"{call.actor_arn or call.actor_key} called UpdateAgentRuntime on runtime {ident!r}: "
                     f"{what}. The agent acts with that role and reaches what that network allows."),
        evidence={"agent_runtime": ident, "changes": changes, "baseline_event_id": prev.get("event_id")})


def _foreign_member(call: ApiCall, config: dict[str, Any]) -> tuple[str, str, str] | None:
    """(what, value, owner) of a Lambda or AgentCore runtime the target names in an account not the caller's."""
    if not call.account:
        return None
    for what, path, owner_of in ARN_MEMBERS:
        value = member(config, *path)
        owner = owner_of(value)
        if owner and owner != call.account:
            return what, value, owner
    for what, path in ENDPOINT_MEMBERS:
        value = member(config, *path)
        owner = runtime_url_account(value) if https_host(value) else None
        if owner and owner != call.account:
            return f"{what} runtime", value, owner
    return None


def _external_endpoint(config: dict[str, Any]) -> tuple[str, str, str] | None:
    """(what, url, host) of an https endpoint that is not an AgentCore runtime of the caller's account."""
    for what, path in ENDPOINT_MEMBERS:
        value = member(config, *path)
        host = https_host(value)
        if host and runtime_url_account(value) is None:
            return what, value, host
    return None


