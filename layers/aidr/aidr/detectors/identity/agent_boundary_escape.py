"""Agent and AgentCore execution roles calling services outside what an agent runtime needs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...findings.model import Finding, Resource
from ...inventory import AGENT_ROLE_NAME_PREFIXES, agent_role_reasons, is_ai_bucket, is_ai_lambda
from ...normalize.cloudtrail import ApiCall
from ...normalize.envelope import CLOUDTRAIL_API_CALL
from ..bedrock._llmjacking import identity_burst, is_aws_service, stage_finding
from ..context import DetectContext
from ..patterns import api_calls
from ..registry import detector
from .privilege_escalation import CALLS as IAM_CHANGE_CALLS

FUNCTION = "DetectIdentityFunction"
WINDOW_SECONDS = 60 * 60

# What an agent runtime calls by design: models (both Bedrock endpoints) and the agent services, its logs, traces
# and metrics, the image it runs (AgentCore), and KMS to read what it is allowed to read. template.yaml's
# AgentRoleActivityRule leaves the first three out (high volume, nothing to see here).
EXPECTED_SERVICES = frozenset({"bedrock", "bedrock-mantle", "bedrock-agentcore", "logs", "xray", "monitoring", "ecr",
                               "kms"})
ROUTED_ELSEWHERE = ("bedrock.amazonaws.com", "bedrock-mantle.amazonaws.com", "bedrock-agentcore.amazonaws.com")
# Services reached through an AI resource the inventory knows (its knowledge-base bucket, its action-group Lambda).
_SCOPED = {"s3": "bucketName", "lambda": "functionName"}
# Calls that turn a hijacked agent into a foothold: identity, credentials and secrets, compute, audit. A service
# mapped to None is sensitive as a whole; otherwise by event-name prefix.
SENSITIVE: dict[str, tuple[str, ...] | None] = {
    "iam": None,
    "sts": ("AssumeRole", "GetSessionToken", "GetFederationToken", "GetCallerIdentity"),
    "secretsmanager": ("GetSecretValue", "BatchGetSecretValue", "ListSecrets"),
    "ssm": ("GetParameter", "DescribeParameters", "SendCommand", "StartSession"),
    "ec2": None,
    "organizations": None,
    "cloudtrail": None,
    "guardduty": None,
    "lambda": ("CreateFunction", "UpdateFunctionCode", "UpdateFunctionConfiguration", "AddPermission"),
    "kms": ("CreateGrant", "PutKeyPolicy", "ScheduleKeyDeletion", "DisableKey"),
}


def _role_name_pattern() -> dict[str, Any]:
    """Every call but Bedrock's own by a session of a role named like an agent execution role."""
    return {
        "detail-type": [CLOUDTRAIL_API_CALL],
        "detail": {
            "eventSource": [{"anything-but": list(ROUTED_ELSEWHERE)}],
            "userIdentity": {
                "type": ["AssumedRole"],
                "sessionContext": {"sessionIssuer": {"userName": [{"prefix": p} for p in AGENT_ROLE_NAME_PREFIXES]}},
            },
        },
    }


def sensitive(call: ApiCall) -> bool:
    if call.service not in SENSITIVE:
        return False
    prefixes = SENSITIVE[call.service]
    return prefixes is None or call.event_name.startswith(prefixes)


def expected(call: ApiCall, ctx: DetectContext) -> bool:
    """True for calls an agent runtime makes by design (see ``EXPECTED_SERVICES`` and ``_SCOPED``)."""
    if sensitive(call):
        return False
    if call.service in EXPECTED_SERVICES:
        return True
    field = _SCOPED.get(call.service)
    target = call.request_parameters.get(field) if field else None
    if call.service == "s3":
        return is_ai_bucket(target, ctx)
    if call.service == "lambda":
        return isinstance(target, str) and is_ai_lambda(target, ctx)
    return False


@detector(
    id="bedrock.agent_boundary_escape",
    title="Agent execution role used outside its runtime's boundary",
    category="agent-boundary-escape",
    severity="medium",
    phase="enhanced",
    techniques=["T1078.004", "AML.T0053"],
    playbook="revoke-principal",
    function=FUNCTION,
    events=[
        _role_name_pattern(),
        # Roles learned as agent roles whatever their name: their IAM changes reach this function anyway.
        api_calls("iam", list(IAM_CHANGE_CALLS), userIdentity={"type": ["AssumedRole"]}),
    ],
    description=(
        "A Bedrock agent or AgentCore runtime acts with its execution role: it calls models, writes its logs "
        "and traces, reads its knowledge-base data and invokes its action-group Lambdas. The same role calling "
        "IAM, STS, Secrets Manager, SSM, EC2 or any other service is an agent whose tools were turned against "
        "the account (prompt injection into a tool, a compromised runtime image) or a role whose credentials "
        "left the runtime. Refused calls are reported too: the attempt shows the boundary being probed."
    ),
    false_positives=[
        "Agents whose tools legitimately call other AWS services from the runtime (AgentCore code reading a "
        "DynamoDB table): trust the role in trusted_principals, which lowers the finding one step.",
        "S3 and Lambda calls count as expected only once the inventory knows the bucket (protected or learned "
        "from a knowledge base) or the Lambda (an action group); until then they are reported medium.",
    ],
    references=[
        "https://docs.aws.amazon.com/bedrock/latest/userguide/agents-permissions.html",
        "https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/runtime-permissions.html",
        "https://genai.owasp.org/llmrisk/llm062025-excessive-agency/",
    ],
)
def detect(event: dict[str, Any], ctx: DetectContext) -> Iterator[Finding]:
    """Report an agent execution role's calls outside its expected services, grouped per role and hour.

    Medium; high when any call in the hour is sensitive (``SENSITIVE``); one step lower for trusted
    principals. Calls an AWS service makes on the role's behalf (``invokedBy``) are not the runtime's own.

    Parameters
    ----------
    event : dict
        EventBridge envelope of one CloudTrail record (the record is ``event["detail"]``).
    ctx : DetectContext
        Config, state (inventory and windows) and drop counters.

    Yields
    ------
    Finding
        One per role and hour-long burst of out-of-boundary calls.

    Known false positives
    ---------------------
    - Agent tools that call other AWS services on purpose (trust the role).
    - S3 or Lambda calls on resources the inventory has not learned yet.
    """
    call = ApiCall(event["detail"])
    if call.identity_type != "AssumedRole" or is_aws_service(call) or expected(call, ctx):
        return
    reasons = agent_role_reasons(call.actor_key, ctx)
    if not reasons:
        return
    meta = detect.meta  # type: ignore[attr-defined]
    burst = identity_burst(ctx, meta, call, WINDOW_SECONDS, service=call.service, sensitive=sensitive(call),
                           denied=bool(call.error_code))
    if burst is None:
        return
    services = burst.distinct("service")
    touchy = [f"{m.data.get('service')}:{m.data.get('name')}" for m in burst.members if m.data.get("sensitive")]
    denied = sum(1 for m in burst.members if m.data.get("denied"))
    yield stage_finding(
        ctx, meta, call, burst,
        description=(
            f"Agent execution role {call.actor_key} called {', '.join(services)} ({', '.join(burst.names())}), "
            "outside what an agent runtime needs"
            + (f", including sensitive calls ({', '.join(dict.fromkeys(touchy))})" if touchy else "")
            + (f"; {denied} refused" if denied else "") + "."
        ),
        severity="high" if touchy else meta.severity,
        resources=[Resource(type="AWS::IAM::Role", id=call.actor_key)],
        evidence={"services": services, "sensitive_calls": sorted(set(touchy)), "refused_calls": denied,
                  "agent_role_reasons": reasons},
    )
