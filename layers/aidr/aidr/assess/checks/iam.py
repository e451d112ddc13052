"""IAM around AI services: broad Bedrock grants, long-term Bedrock API keys, agent and execution roles."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from ...normalize.iam_policy import (
    allows,
    grant_level,
    granted_wildcards,
    load_document,
    principals,
    restricting_conditions,
    statements,
)
from ..collect import (
    BEDROCK_USAGE_CALLS,
    SAGEMAKER_USAGE_CALLS,
    agents,
    ai_regions,
    bedrock_api_keys,
    iam_details,
    models,
    notebooks,
    training_jobs,
)
from ..context import AssessContext
from ..model import Result, could_not_assess, failed, not_applicable, passed
from ..registry import check
from ._common import evaluate

DETAILS = "iam:GetAccountAuthorizationDetails"
KEYS = "iam:ListServiceSpecificCredentials"
AGENT_CALLS = ("bedrock-agent:ListAgents", "bedrock-agent:GetAgent", DETAILS)
FULL_ACCESS = "AmazonBedrockFullAccess"
ADMIN_POLICIES = frozenset({"AdministratorAccess", "AmazonBedrockFullAccess", "PowerUserAccess"})
MAX_KEY_AGE = timedelta(days=90)


def _managed_docs(d: dict[str, list[dict[str, Any]]]) -> dict[str, dict[str, Any] | None]:
    """Customer managed policy ARN -> its default version's document."""
    out = {}
    for p in d["Policies"]:
        v = next((v for v in p.get("PolicyVersionList") or [] if v.get("IsDefaultVersion")), None)
        out[p["Arn"]] = load_document((v or {}).get("Document"))
    return out


def _inline(entity: dict[str, Any]) -> list[tuple[str, dict[str, Any] | None]]:
    lists = entity.get("UserPolicyList") or entity.get("RolePolicyList") or entity.get("GroupPolicyList") or []
    return [(p.get("PolicyName", "?"), load_document(p.get("PolicyDocument"))) for p in lists]


def broad_grants(entity: dict[str, Any], managed: dict[str, dict[str, Any] | None]) -> list[str]:
    """Why ``entity`` (user/role/group detail) is over-privileged: admin or full-AI managed policies, wildcards."""
    out = []
    for p in entity.get("AttachedManagedPolicies") or []:
        name, arn = p.get("PolicyName", ""), p.get("PolicyArn", "")
        if name in ADMIN_POLICIES and ":aws:policy/" in arn:
            out.append(f"managed policy {name}")
        elif (level := grant_level(managed.get(arn))) is not None:
            out.append(f"{name} grants {level}")
    for name, doc in _inline(entity):
        if (level := grant_level(doc)) is not None:
            out.append(f"inline {name} grants {level}")
    return out


def _uses_ai(ctx: AssessContext) -> bool:
    return bool(ai_regions(ctx))


@check(id="iam.bedrock_full_access_attached", title="AmazonBedrockFullAccess is not attached to principals",
       layer="identity-data", phase="foundational", severity="high", scope="account",
       api_calls=[DETAILS, *BEDROCK_USAGE_CALLS, *SAGEMAKER_USAGE_CALLS],
       remediation="Replace AmazonBedrockFullAccess with policies naming the models and actions each principal "
                   "needs (e.g. bedrock:InvokeModel on approved model ARNs).",
       references={"owasp_llm_2025": ["LLM06", "LLM10"], "mitre_atlas": ["AML.T0012"]})
def bedrock_full_access_attached(ctx: AssessContext, region: str) -> Iterator[Result]:
    d = iam_details(ctx)
    hits = [(e.get("Arn"), kind) for kind in ("UserDetailList", "RoleDetailList", "GroupDetailList") for e in d[kind]
            if any(p.get("PolicyName") == FULL_ACCESS for p in e.get("AttachedManagedPolicies") or [])]
    for arn, _ in hits:
        yield failed(f"{FULL_ACCESS} is attached", arn, exposure=2)
    if not hits:
        yield passed(f"{FULL_ACCESS} is attached to no user, role or group") if _uses_ai(ctx) else \
            not_applicable("no AI services used")


@check(id="iam.bedrock_wildcard_grants", title="No customer policy grants bedrock:* on every resource",
       layer="identity-data", phase="foundational", severity="high", scope="account", api_calls=[DETAILS],
       remediation="Scope Bedrock statements to the actions and model/agent ARNs needed; never bedrock:* on *.",
       references={"owasp_llm_2025": ["LLM06", "LLM10"], "mitre_atlas": ["AML.T0012"]})
def bedrock_wildcard_grants(ctx: AssessContext, region: str) -> Iterator[Result]:
    d = iam_details(ctx)
    docs: list[tuple[str, dict[str, Any] | None]] = list(_managed_docs(d).items())
    for kind in ("UserDetailList", "RoleDetailList", "GroupDetailList"):
        for e in d[kind]:
            docs.extend((f"{e.get('Arn')} (inline {name})", doc) for name, doc in _inline(e))

    def problem(item: tuple[str, dict[str, Any] | None]) -> str | None:
        grants = [a for a, lvl in granted_wildcards(item[1]).items() if lvl == "ai-full" and "sagemaker" not in a]
        return f"grants {', '.join(grants)} on every resource" if grants else None
    yield from evaluate(docs, none="no customer managed or inline policies", resource=lambda i: i[0],
                        problem=problem, ok="no bedrock:* on every resource", exposure=2)


def _active_keys(ctx: AssessContext) -> list[dict[str, Any]]:
    return [k for k in bedrock_api_keys(ctx) if k.get("Status") == "Active"]


def _key_arn(ctx: AssessContext, k: dict[str, Any]) -> str:
    # A service-specific credential has no ARN: its id names it (the user is in the reason).
    return str(k.get("ServiceSpecificCredentialId"))


@check(id="iam.bedrock_long_term_api_keys", title="No active long-term Bedrock API keys",
       layer="identity-data", phase="foundational", severity="high", scope="account",
       api_calls=[KEYS, *BEDROCK_USAGE_CALLS, *SAGEMAKER_USAGE_CALLS],
       remediation="Use short-term Bedrock API keys or IAM roles; deactivate long-term keys "
                   "(UpdateServiceSpecificCredential Status=Inactive) and delete them once unused.",
       references={"owasp_llm_2025": ["LLM10"], "mitre_atlas": ["AML.T0012"]})
def bedrock_long_term_api_keys(ctx: AssessContext, region: str) -> Iterator[Result]:
    keys = bedrock_api_keys(ctx)
    for k in keys:
        if k.get("Status") == "Active":
            yield failed(f"active long-term Bedrock API key of user {k.get('UserName')}: a bearer token usable from "
                         "anywhere", _key_arn(ctx, k), 3)
        else:
            yield passed("inactive", _key_arn(ctx, k))
    if not keys:
        yield passed("no long-term Bedrock API keys") if _uses_ai(ctx) else not_applicable("no AI services used")


@check(id="iam.bedrock_api_key_expiry", title="Long-term Bedrock API keys expire within 90 days",
       layer="identity-data", phase="enhanced", severity="medium", scope="account", api_calls=[KEYS],
       remediation="Create Bedrock API keys with an expiry of 90 days or less (CredentialAgeDays) and rotate them.",
       references={"mitre_atlas": ["AML.T0012"]})
def bedrock_api_key_expiry(ctx: AssessContext, region: str) -> Iterator[Result]:
    def problem(k: dict[str, Any]) -> str | None:
        exp, created = k.get("ExpirationDate"), k.get("CreateDate")
        if exp is None:
            return "never expires"
        if created is not None and exp - created > MAX_KEY_AGE:
            return f"valid for {(exp - created).days} days"
        return None
    yield from evaluate(_active_keys(ctx), none="no active long-term Bedrock API keys",
                        resource=lambda k: _key_arn(ctx, k), problem=problem, ok="expires within 90 days")


@check(id="iam.bedrock_api_key_user_privileges", title="Users with Bedrock API keys are not administrators",
       layer="identity-data", phase="enhanced", severity="critical", scope="account", api_calls=[KEYS, DETAILS],
       remediation="Give users that own Bedrock API keys only AmazonBedrockLimitedAccess-level permissions; remove "
                   "AdministratorAccess, AmazonBedrockFullAccess and wildcard grants.",
       references={"owasp_llm_2025": ["LLM06"], "mitre_atlas": ["AML.T0012"]})
def bedrock_api_key_user_privileges(ctx: AssessContext, region: str) -> Iterator[Result]:
    owners = sorted({k.get("UserName") for k in _active_keys(ctx)})
    d = iam_details(ctx) if owners else {"UserDetailList": [], "Policies": []}
    users = {u.get("UserName"): u for u in d["UserDetailList"]}
    managed = _managed_docs(d) if owners else {}

    def problem(name: str) -> str | None:
        grants = broad_grants(users.get(name) or {}, managed)
        return "owner of a Bedrock API key has " + "; ".join(grants) if grants else None
    yield from evaluate(owners, none="no active long-term Bedrock API keys",
                        resource=lambda n: f"arn:aws:iam::{ctx.account}:user/{n}", problem=problem,
                        ok="no admin or full-access grants", exposure=3)


def _roles(ctx: AssessContext) -> dict[str, dict[str, Any]]:
    return {r.get("Arn"): r for r in iam_details(ctx)["RoleDetailList"]}


@check(id="iam.agent_role_least_privilege", title="Agent service roles are least-privilege",
       layer="identity-data", phase="enhanced", severity="high", api_calls=AGENT_CALLS,
       remediation="Give each agent a role allowing only InvokeModel on its model and its knowledge bases; no "
                   "admin, full-access or wildcard policies.",
       references={"owasp_llm_2025": ["LLM06"], "mitre_atlas": ["AML.T0053"]})
def agent_role_least_privilege(ctx: AssessContext, region: str) -> Iterator[Result]:
    found = agents(ctx, region)
    roles = _roles(ctx) if found else {}
    managed = _managed_docs(iam_details(ctx)) if found else {}
    role_arns = sorted({str(a.get("agentResourceRoleArn")) for a in found})
    for arn in [r for r in role_arns if r not in roles]:  # another account's role: its policies are not readable
        yield could_not_assess("the agent role is not in this account: its policies cannot be read", arn)
    role_arns = [r for r in role_arns if r in roles] if found else role_arns
    if found and not role_arns:
        return

    def problem(arn: str) -> str | None:
        grants = broad_grants(roles[arn], managed)
        return "agent role has " + "; ".join(grants) if grants else None
    yield from evaluate(role_arns, none="no Bedrock agents", resource=lambda r: r, problem=problem,
                        ok="no admin, full-access or wildcard grants", exposure=2)


@check(id="iam.agent_role_not_shared", title="Each agent has its own service role",
       layer="identity-data", phase="enhanced", severity="medium", api_calls=AGENT_CALLS,
       remediation="Create one service role per agent, trusted only by bedrock.amazonaws.com.",
       references={"owasp_llm_2025": ["LLM06"]})
def agent_role_not_shared(ctx: AssessContext, region: str) -> Iterator[Result]:
    found = agents(ctx, region)
    roles = _roles(ctx) if found else {}
    by_role: dict[str, list[str]] = {}
    for a in found:
        by_role.setdefault(str(a.get("agentResourceRoleArn")), []).append(str(a.get("agentName")))

    def problem(arn: str) -> str | None:
        if len(by_role[arn]) > 1:
            return f"shared by agents {', '.join(sorted(by_role[arn]))}"
        trust = load_document((roles.get(arn) or {}).get("AssumeRolePolicyDocument"))
        others = sorted({s for st in statements(trust) if allows(st) for s in principals(st).services}
                        - {"bedrock.amazonaws.com"})
        return f"also trusted by {', '.join(others)}" if others else None
    yield from evaluate(sorted(by_role), none="no Bedrock agents", resource=lambda r: r, problem=problem,
                        ok="used by one agent only")


@check(id="iam.agent_role_confused_deputy", title="Agent role trust is scoped to the account (confused deputy)",
       layer="identity-data", phase="advanced", severity="medium", api_calls=AGENT_CALLS,
       remediation="Add aws:SourceAccount (and aws:SourceArn of the agent) conditions to the role's trust of "
                   "bedrock.amazonaws.com.",
       references={"owasp_llm_2025": ["LLM06"]})
def agent_role_confused_deputy(ctx: AssessContext, region: str) -> Iterator[Result]:
    found = agents(ctx, region)
    roles = _roles(ctx) if found else {}

    def problem(arn: str) -> str | None:
        trust = load_document((roles.get(arn) or {}).get("AssumeRolePolicyDocument"))
        loose = [st for st in statements(trust) if allows(st) and "bedrock.amazonaws.com" in principals(st).services
                 and not restricting_conditions(st)]
        return "bedrock.amazonaws.com may assume the role without aws:SourceAccount/SourceArn" if loose else None
    role_arns = sorted({str(a.get("agentResourceRoleArn")) for a in found if a.get("agentResourceRoleArn") in roles})
    yield from evaluate(role_arns, none="no Bedrock agents with roles in this account", resource=lambda r: r,
                        problem=problem, ok="trust scoped with source conditions")


@check(id="iam.sagemaker_execution_role_privileges", title="SageMaker execution roles are not administrators",
       layer="identity-data", phase="enhanced", severity="high",
       api_calls=[DETAILS, "sagemaker:ListNotebookInstances", "sagemaker:DescribeNotebookInstance",
                  "sagemaker:ListTrainingJobs", "sagemaker:DescribeTrainingJob", "sagemaker:ListModels",
                  "sagemaker:DescribeModel"],
       remediation="Give notebooks, training jobs and models execution roles limited to their data and "
                   "artifacts; remove AdministratorAccess and wildcard grants.",
       references={"owasp_llm_2025": ["LLM06"], "mitre_atlas": ["AML.T0053"]})
def sagemaker_execution_role_privileges(ctx: AssessContext, region: str) -> Iterator[Result]:
    used = {n.get("RoleArn") for n in notebooks(ctx, region)} | {j.get("RoleArn") for j in training_jobs(ctx, region)}
    used |= {m.get("ExecutionRoleArn") for m in models(ctx, region)}
    used.discard(None)
    roles = _roles(ctx) if used else {}
    managed = _managed_docs(iam_details(ctx)) if used else {}
    for arn in sorted(r for r in used if r not in roles):
        yield could_not_assess("the execution role is not in this account: its policies cannot be read", arn)
    if used and not (used & set(roles)):
        return
    used &= set(roles) if used else used

    def problem(arn: str) -> str | None:
        grants = [g for g in broad_grants(roles[arn], managed) if "admin" in g or "Administrator" in g
                  or "PowerUser" in g]
        return "execution role has " + "; ".join(grants) if grants else None
    yield from evaluate(sorted(used), none="no SageMaker execution roles in use", resource=lambda r: r,
                        problem=problem, ok="no admin grants", exposure=2)


AI_SERVICES = frozenset({"bedrock.amazonaws.com", "sagemaker.amazonaws.com"})


@check(id="iam.ai_role_external_trust", title="AI service roles are not assumable from other accounts",
       layer="identity-data", phase="enhanced", severity="high", scope="account", api_calls=[DETAILS],
       remediation="Remove other accounts from the trust policy of roles used by Bedrock and SageMaker, or require "
                   "sts:ExternalId and an organization condition.",
       references={"owasp_llm_2025": ["LLM06"], "mitre_atlas": ["AML.T0012"]})
def ai_role_external_trust(ctx: AssessContext, region: str) -> Iterator[Result]:
    from ...normalize.iam_policy import has_external_id

    ai_roles = []
    for r in iam_details(ctx)["RoleDetailList"]:
        trust = statements(load_document(r.get("AssumeRolePolicyDocument")))
        if any(principals(s).services & AI_SERVICES for s in trust if allows(s)):
            ai_roles.append((r.get("Arn"), trust))

    def problem(item: tuple[str, list[dict[str, Any]]]) -> str | None:
        foreign = set()
        for s in item[1]:
            p = principals(s)
            if allows(s) and not has_external_id(s) and not restricting_conditions(s):
                foreign |= p.foreign_accounts(ctx.account) | ({"*"} if p.wildcard else set())
        return f"assumable from {', '.join(sorted(foreign))}" if foreign else None
    yield from evaluate(ai_roles, none="no roles trusted by Bedrock or SageMaker", resource=lambda i: i[0],
                        problem=problem, ok="trusted only within the account", exposure=3)

