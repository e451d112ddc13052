"""AI-reaching privileges granted to unexpected principals, and the persistence built around such grants.

A grant is a managed policy attached (AdministratorAccess, IAMFullAccess, PowerUserAccess,
AmazonBedrockFullAccess, AmazonSageMakerFullAccess, or a customer policy whose version was seen granting them),
an inline policy with ``*`` / ``iam:*`` / ``bedrock:*`` / ``sagemaker:*`` on every resource, or a user joining a
group that holds one. Around a grant the detector gathers, per grantee and within a day, the events that make it
a backdoor: the grantee created that day, its trust opened to another account, access keys or a console
password minted for it, the grant made by an EC2 instance credential or by the grantee itself. Each event
re-emits the same finding (keyed by the first grant), so the events merge whatever order they arrive in.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from ...findings.model import Finding, Resource, lower_severity, raise_severity
from ...inventory import is_ai_role, is_ai_user, principal_parts
from ...normalize.cloudtrail import ApiCall
from ...normalize.iam_policy import (
    allows,
    grant_level,
    has_external_id,
    load_document,
    principals,
    restricting_conditions,
    statements,
)
from ...state.base import Member
from ..context import DetectContext
from ..patterns import api_calls
from ..registry import DetectorMeta, detector

FUNCTION = "DetectIdentityFunction"
CHAIN_WINDOW = 86400  # the events of one backdoor happen within a day
CHAIN_TTL = CHAIN_WINDOW * 2 + 3600
POLICY_TTL = 400 * 86400

# AWS managed policies by the AI reach they grant.
MANAGED_POLICY_LEVELS = {
    "AdministratorAccess": "admin",
    "IAMFullAccess": "admin",  # grants itself everything else
    "PowerUserAccess": "ai-full",
    "AmazonBedrockFullAccess": "ai-full",
    "AmazonSageMakerFullAccess": "ai-full",
}
ATTACH_CALLS = {"AttachUserPolicy": "user", "AttachRolePolicy": "role", "AttachGroupPolicy": "group"}
INLINE_CALLS = {"PutUserPolicy": "user", "PutRolePolicy": "role", "PutGroupPolicy": "group"}
VERSION_CALLS = ("CreatePolicy", "CreatePolicyVersion", "SetDefaultPolicyVersion")
TRUST_CALLS = ("CreateRole", "UpdateAssumeRolePolicy")
CREDENTIAL_CALLS = ("CreateAccessKey", "CreateLoginProfile")
CALLS = (*ATTACH_CALLS, *INLINE_CALLS, *VERSION_CALLS, *TRUST_CALLS, *CREDENTIAL_CALLS, "CreateUser",
         "AddUserToGroup")

# Severity of a grant by level and grantee kind, before aggravating context.
BASE_SEVERITY = {("admin", "user"): "high", ("admin", "group"): "high", ("admin", "role"): "medium",
                 ("ai-full", "user"): "medium", ("ai-full", "group"): "medium", ("ai-full", "role"): "medium"}
LEVEL_ORDER = {"ai-full": 1, "admin": 2}
# Infrastructure-as-code services whose grants were reviewed as templates: one step lower. (Console calls can
# carry invokedBy "signin.amazonaws.com"; that is a human, not a template.)
IAC_SERVICES = frozenset({"cloudformation.amazonaws.com", "servicecatalog.amazonaws.com"})


@detector(
    id="iam.ai_privilege_escalation",
    title="AI-reaching privileges granted to an unexpected principal",
    category="privilege-escalation",
    severity="high",
    phase="foundational",
    techniques=["T1098", "T1098.001", "T1098.003", "T1548"],
    playbook="revoke-principal",
    function=FUNCTION,
    events=[api_calls("iam", list(CALLS))],
    description=(
        "Attackers holding any IAM write permission give themselves, a new user or a backdoor role the rights "
        "to use and change AI workloads: AdministratorAccess (which includes bedrock:* and sagemaker:*), "
        "AmazonBedrockFullAccess / AmazonSageMakerFullAccess on users or non-AI roles, inline wildcard grants, "
        "then mint keys or open the role's trust to their own account. AI execution roles whose trust is "
        "opened to another account and new keys for AI service users are reported too."
    ),
    false_positives=[
        "Break-glass or platform-admin users and roles provisioned by hand (trust the provisioning principal "
        "in trusted_principals to lower these one step).",
        "Cross-account roles for a central ML or security account (scope the trust with aws:PrincipalOrgID or "
        "sts:ExternalId).",
        "A data scientist rotating the access key of their own AI service user (reported low).",
    ],
    references=["https://attack.mitre.org/techniques/T1098/",
                "https://docs.aws.amazon.com/bedrock/latest/userguide/security-iam-awsmanpol.html"],
)
def detect(event: dict[str, Any], ctx: DetectContext) -> Iterator[Finding]:
    """Record grants and their context per grantee; report grants with their context, and risky trust/keys.

    Known false positives: hand-provisioned admin principals, intended cross-account ML roles, users rotating
    their own keys.
    """
    call = ApiCall(event["detail"])
    if call.error_code:
        return
    meta: DetectorMeta = detect.meta  # type: ignore[attr-defined]
    name = call.event_name
    p = call.request_parameters
    if name in VERSION_CALLS:
        yield from _policy_version(call, ctx, meta)
        return
    target = _target(call)
    if target is None:
        return
    fresh = False  # re-delivered events were recorded already: they change nothing and report nothing
    if name in ATTACH_CALLS or name in INLINE_CALLS:
        fresh = _record_grant(call, ctx, target)
    elif name == "AddUserToGroup":
        fresh = _record_group_join(call, ctx, target, p.get("groupName"))
    elif name in CREDENTIAL_CALLS:
        fresh = _record_context(call, ctx, target, "credentials", {"call": name})
    if name in ("CreateUser", "CreateRole"):
        fresh = _record_context(call, ctx, target, "created", {"call": name}) or fresh
    trust = _open_trust(call) if name in TRUST_CALLS else None
    if trust is not None:
        fresh = _record_context(call, ctx, target, "foreign-trust", trust) or fresh
    if not fresh:
        return
    chain = _chain(call, ctx, meta, target)
    if chain is not None:
        yield chain
    elif trust is not None:
        yield _trust_finding(call, ctx, meta, target, trust)
    elif name in CREDENTIAL_CALLS:
        yield from _ai_user_credentials(call, ctx, meta, target)


# --------------------------------------------------------------------------------------------- targets
def _target(call: ApiCall) -> tuple[str, str, str] | None:
    """(kind, account, name) of the principal the call changes; the caller itself for CreateAccessKey without a
    userName (a user minting their own key)."""
    p = call.request_parameters
    name = call.event_name
    kind = ATTACH_CALLS.get(name) or INLINE_CALLS.get(name)
    if kind is None:
        kind = "role" if name in TRUST_CALLS else "user"
    value = p.get(f"{kind}Name")
    if not isinstance(value, str) and name in CREDENTIAL_CALLS:
        value = call.user_name
    return (kind, call.account or "-", value) if isinstance(value, str) and value else None


def _target_key(target: tuple[str, str, str]) -> str:
    return ":".join(target)


def _level_of_managed(policy_arn: str, ctx: DetectContext) -> str | None:
    if ":iam::aws:policy/" in policy_arn:  # AWS managed, any partition
        return MANAGED_POLICY_LEVELS.get(policy_arn.rsplit("/", 1)[-1])
    versions = ctx.state.members(f"pe:policy:{policy_arn}")
    default = [m for m in versions if m.data.get("default")]
    latest = max(default, key=lambda m: m.ts, default=None)
    return latest.data.get("level") if latest else None


def _actor_flags(call: ApiCall, target: tuple[str, str, str]) -> list[str]:
    flags = []
    if call.session_context.get("ec2RoleDelivery") or ":i-" in str(call.identity.get("principalId", "")):
        flags.append("granted by an EC2 instance credential")
    parts = principal_parts(call.actor_arn)
    if parts and (parts[0], parts[2]) == (target[0], target[2]):
        flags.append("granted by the grantee itself")
    return flags


def _record_grant(call: ApiCall, ctx: DetectContext, target: tuple[str, str, str]) -> bool:
    p = call.request_parameters
    if call.event_name in ATTACH_CALLS:
        policy = p.get("policyArn")
        level = _level_of_managed(policy, ctx) if isinstance(policy, str) else None
    else:
        policy = p.get("policyName")
        level = grant_level(load_document(p.get("policyDocument")))
    if level is None:
        return False
    return _add_grant(call, ctx, target, level, str(policy).rsplit("/", 1)[-1])


def _add_grant(call: ApiCall, ctx: DetectContext, target: tuple[str, str, str], level: str, policy: str) -> bool:
    trusted = ctx.config.is_trusted(call.actor_arn) or ctx.config.is_trusted(call.actor_key)
    added = ctx.state.add(
        f"pe:grants:{_target_key(target)}", call.event_id or f"{call.event_name}:{call.time}",
        ctx.when(call.time).timestamp(), CHAIN_TTL,
        {"level": level, "policy": policy, "event_id": call.event_id, "call": call.event_name,
         "actor": call.actor_arn or call.actor_key, "trusted": trusted,
         "via_iac": call.identity.get("invokedBy") in IAC_SERVICES, "flags": _actor_flags(call, target)},
    )
    if target[0] == "group":  # members joining later inherit it
        ctx.state.add(f"pe:group:{target[1]}:{target[2]}", f"{level}|{policy}", ctx.when(call.time).timestamp(),
                      POLICY_TTL, {"level": level, "policy": policy})
    return added


def _record_group_join(call: ApiCall, ctx: DetectContext, target: tuple[str, str, str], group: Any) -> bool:
    if not isinstance(group, str):
        return False
    held = ctx.state.members(f"pe:group:{target[1]}:{group}")
    if not held:
        return False
    best = max(held, key=lambda m: LEVEL_ORDER.get(m.data.get("level", ""), 0))
    return _add_grant(call, ctx, target, best.data["level"], f"group {group} ({best.data.get('policy')})")


def _record_context(call: ApiCall, ctx: DetectContext, target: tuple[str, str, str], stage: str,
                    data: dict[str, Any]) -> bool:
    return ctx.state.add(f"pe:context:{_target_key(target)}", f"{stage}:{call.event_id or call.time}",
                         ctx.when(call.time).timestamp(), CHAIN_TTL,
                         {"stage": stage, "event_id": call.event_id, **data})


# --------------------------------------------------------------------------------------------- the chain
_STAGE_TEXT = {
    "created": "created the same day",
    "foreign-trust": "trusted by another account",
    "credentials": "access key or console password created for it",
}


def _chain(call: ApiCall, ctx: DetectContext, meta: DetectorMeta, target: tuple[str, str, str]) -> Finding | None:
    t = ctx.when(call.time).timestamp()
    window = {"since": t - CHAIN_WINDOW, "until": t + CHAIN_WINDOW}
    grants = ctx.state.members(f"pe:grants:{_target_key(target)}", **window)
    if not grants:
        return None
    kind = target[0]
    level = max((g.data["level"] for g in grants), key=LEVEL_ORDER.__getitem__)
    if level == "ai-full" and kind == "role" and is_ai_role(target[2], ctx, target[1]):
        return None  # an AI execution role holding AI service rights is what it is for
    context = ctx.state.members(f"pe:context:{_target_key(target)}", **window)
    factors = list(dict.fromkeys([*(_STAGE_TEXT[m.data["stage"]] for m in context if m.data.get("stage")
                                    in _STAGE_TEXT), *(f for g in grants for f in g.data.get("flags", []))]))
    severity = BASE_SEVERITY[(level, kind)]
    if any(f != _STAGE_TEXT["created"] for f in factors):  # a new principal alone is how IaC works too
        severity = raise_severity(severity)
    if all(g.data.get("trusted") or g.data.get("via_iac") for g in grants):
        severity = lower_severity(severity)
    first = min(grants, key=lambda g: g.ts)
    policies = sorted({str(g.data.get("policy")) for g in grants})
    return ctx.finding(
        meta,
        key=f"grant:{_target_key(target)}:{first.member}",
        title=f"{'Administrator' if level == 'admin' else 'AI service'} privileges granted to {kind} {target[2]}",
        description=(
            f"{first.data.get('actor')} granted {kind} {target[2]} {', '.join(policies)}"
            + (f" ({'; '.join(factors)})" if factors else "")
            + (": everything in the account, Bedrock and SageMaker included." if level == "admin"
               else ": full use and control of Bedrock or SageMaker.")
        ),
        event_ids=[*(g.data.get("event_id") for g in grants), *(m.data.get("event_id") for m in context)],
        first_seen=_earliest(grants, context),
        last_seen=ctx.when(call.time),
        account=call.account,
        region=call.region,
        principal=call.principal(),
        resources=[_resource(kind, target)],
        evidence={"grantee": f"{kind}/{target[2]}", "level": level, "policies": policies, "factors": factors,
                  "grants": len(grants), "granted_by": sorted({str(g.data.get("actor")) for g in grants}),
                  **call.summary()},
        severity=severity,
    )


def _earliest(*groups: list[Member]) -> datetime:
    return datetime.fromtimestamp(min(m.ts for g in groups for m in g), UTC)


def _resource(kind: str, target: tuple[str, str, str]) -> Resource:
    cfn = {"user": "AWS::IAM::User", "role": "AWS::IAM::Role", "group": "AWS::IAM::Group"}[kind]
    return Resource(type=cfn, id=f"arn:aws:iam::{target[1]}:{kind}/{target[2]}")


# --------------------------------------------------------------------------------------------- trust
def _open_trust(call: ApiCall) -> dict[str, Any] | None:
    """How a trust policy opens the role beyond its account (None when it does not): accounts, anyone, ExternalId.

    Statements scoped by an org/account condition do not count.
    """
    p = call.request_parameters
    doc = load_document(p.get("assumeRolePolicyDocument") or p.get("policyDocument"))
    foreign: set[str] = set()
    public = external_id = False
    for s in (s for s in statements(doc) if allows(s)):
        if restricting_conditions(s):
            continue
        who = principals(s)
        public = public or who.wildcard
        others = who.foreign_accounts(call.account)
        foreign |= others
        external_id = external_id or (bool(others) and has_external_id(s))
    if not foreign and not public:
        return None
    return {"accounts": sorted(foreign)[:10], "public": public, "external_id": external_id}


def _trust_finding(call: ApiCall, ctx: DetectContext, meta: DetectorMeta, target: tuple[str, str, str],
                   trust: dict[str, Any]) -> Finding:
    """Trust opened with no grant around it: high on AI roles, low (context for later grants) on others."""
    ai = is_ai_role(target[2], ctx, target[1])
    public = trust["public"]
    severity = ("critical" if public else "high") if ai else "low"
    if trust["external_id"] and not public:
        severity = lower_severity(severity)
    who = "any AWS principal" if public else "account(s) " + ", ".join(trust["accounts"][:5])
    return ctx.finding(
        meta,
        key=f"trust:{call.event_id or _target_key(target)}",
        title=f"{'AI role' if ai else 'Role'} trust opened to {'anyone' if public else 'another account'}",
        description=(f"{call.actor_arn or call.actor_key} let {who} assume {'AI ' if ai else ''}role {target[2]} "
                     f"({call.event_name})."),
        event_ids=[call.event_id],
        first_seen=call.time,
        account=call.account,
        region=call.region,
        principal=call.principal(),
        resources=[_resource("role", target)],
        evidence={**call.summary(), "role": target[2], "ai_role": ai, "foreign_accounts": trust["accounts"],
                  "public": public, "external_id_required": trust["external_id"]},
        severity=severity,
    )


# --------------------------------------------------------------------------------------------- credentials
def _ai_user_credentials(call: ApiCall, ctx: DetectContext, meta: DetectorMeta,
                         target: tuple[str, str, str]) -> Iterator[Finding]:
    if not is_ai_user(target[2], ctx, target[1]):
        return
    own = call.user_name == target[2]
    severity = "low" if own else "medium"
    if call.event_name == "CreateLoginProfile":
        severity = raise_severity(severity)  # a service identity has no business with a console password
    yield ctx.finding(
        meta,
        key=f"creds:{call.event_id or _target_key(target)}",
        title="Credentials created for an AI service user",
        description=(f"{call.actor_arn or call.actor_key} called {call.event_name} for AI service user {target[2]}"
                     f"{' (its own)' if own else ''}: long-term credentials to use Bedrock or SageMaker as it."),
        event_ids=[call.event_id],
        first_seen=call.time,
        account=call.account,
        region=call.region,
        principal=call.principal(),
        resources=[_resource("user", target)],
        evidence={**call.summary(), "user": target[2], "own_credentials": own},
        severity=severity,
    )


# --------------------------------------------------------------------------------------------- policy versions
def _policy_version(call: ApiCall, ctx: DetectContext, meta: DetectorMeta) -> Iterator[Finding]:
    """A customer policy's new default version that grants admin or AI wildcards (to all it is attached to)."""
    p = call.request_parameters
    policy = p.get("policyArn")
    t = ctx.when(call.time).timestamp()
    if call.event_name == "CreatePolicy":
        # A new policy grants nothing until attached; remember its level so the attach is judged by it.
        created = call.response_elements.get("policy") or {}
        arn = created.get("arn") if isinstance(created, dict) else None
        level = grant_level(load_document(p.get("policyDocument")))
        if isinstance(arn, str) and level:
            ctx.state.add(f"pe:policy:{arn}", str(created.get("defaultVersionId") or "v1"), t, POLICY_TTL,
                          {"level": level, "default": True})
        return
    if not isinstance(policy, str):
        return
    key = f"pe:policy:{policy}"
    if call.event_name == "CreatePolicyVersion":
        level = grant_level(load_document(p.get("policyDocument")))
        version = ((call.response_elements.get("policyVersion") or {}).get("versionId")) or call.event_id
        is_default = p.get("setAsDefault") in (True, "true")
        ctx.state.add(key, str(version), t, POLICY_TTL, {"level": level, "default": is_default})
    else:
        version = p.get("versionId")
        known = {m.member: m for m in ctx.state.members(key)}
        level = known[version].data.get("level") if version in known else None
        is_default = True
        if version in known:
            ctx.state.add(key, f"{version}@default:{call.event_id}", t, POLICY_TTL, {"level": level, "default": True})
    if not level or not is_default:
        return
    yield ctx.finding(
        meta,
        key=f"policy-version:{call.event_id or policy}",
        title="Customer policy changed to grant " + ("administrator" if level == "admin" else "AI service") + " rights",
        description=(f"{call.actor_arn or call.actor_key} made version {version} of {policy} the default; it grants "
                     f"{'everything' if level == 'admin' else 'all of Bedrock or SageMaker'} on every resource to "
                     "every user, group and role the policy is attached to."),
        event_ids=[call.event_id],
        first_seen=call.time,
        account=call.account,
        region=call.region,
        principal=call.principal(),
        resources=[Resource(type="AWS::IAM::ManagedPolicy", id=policy)],
        evidence={**call.summary(), "policy": policy, "version": version, "level": level},
        severity="high" if level == "admin" else "medium",
    )
