"""What each playbook does to a finding: the containment actions, their targets and options.

- ``revoke-principal``: the finding's principal. A role (or an assumed-role session of it): revoke its sessions
  and deny Bedrock. A user: deactivate the access key the finding names (every key when it names none or a
  temporary ``ASIA`` key), revoke its sessions, deny Bedrock (bearer tokens included), disable console sign-in;
  for a ``BedrockAPIKey-*`` user also deactivate its Bedrock API keys.
- ``quarantine-bucket``: every S3 bucket the finding names, exempting the responder role and the break-glass roles
  (the IAM ARNs in ``protected_principals``).
- ``disable-endpoint``: every SageMaker endpoint (delete, restorable), notebook instance (stop), model package
  (reject) and Bedrock agent alias (pause) the finding names.
- ``restore-logging``: the invocation-logging configuration of the finding's account and region, put back to what
  was in force before the tampering (from the detectors' state: the last configuration before a deletion, or the
  one a weakening change replaced).

A finding that names nothing a playbook can act on raises :class:`~aidr.errors.GuardRefused` with the reason: the
run stops and notifies, it never reports an empty containment as a success.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..actions import Target, get_action, ordered
from ..config import AidrConfig
from ..detectors.audit.last_known import last_known_record, value_before
from ..detectors.bedrock.logging_weakened import logging_state_key
from ..errors import GuardRefused
from ..guards import OWN_ROLE_PATH
from ..state.base import StateStore
from .catalog import DISABLE_ENDPOINT, QUARANTINE_BUCKET, RESTORE_LOGGING, REVOKE_PRINCIPAL

ROLE_ACTIONS = ("revoke-role-sessions", "deny-bedrock")
USER_ACTIONS = ("deactivate-access-keys", "revoke-user-sessions", "deny-bedrock", "disable-login-profile")
# Users the console creates for long-term Bedrock API keys (service-specific credentials): their keys are also
# switched off. Every user's bearer tokens are already cut by deny-bedrock (CallWithBearerToken, both endpoints).
BEDROCK_API_KEY_USER_PREFIX = "BedrockAPIKey-"
# CloudFormation resource type in a finding -> the action that contains it in disable-endpoint.
WORKLOAD_ACTIONS = {
    "AWS::SageMaker::Endpoint": "delete-endpoint",
    "AWS::SageMaker::NotebookInstance": "stop-notebook",
    "AWS::SageMaker::ModelPackage": "reject-model-package",
    "AWS::Bedrock::AgentAlias": "pause-agent-alias",
}
_WORKLOAD_ARN_PREFIX = {
    "AWS::SageMaker::Endpoint": "sagemaker:{region}:{account}:endpoint/",
    "AWS::SageMaker::NotebookInstance": "sagemaker:{region}:{account}:notebook-instance/",
}


@dataclass(frozen=True)
class Planned:
    """One action of a run, before its snapshot."""

    action: str
    target: Target
    options: dict[str, Any] = field(default_factory=dict)
    named: str | None = None
    """The ARN as the finding named it (an assumed-role session ARN, say): the guards check it too."""


@dataclass(frozen=True)
class ResolveContext:
    """What resolution needs besides the finding."""

    config: AidrConfig
    responder_role_arn: str | None = None
    state: StateStore | None = None


def resolve(playbook: str, finding: Mapping[str, Any], ctx: ResolveContext) -> list[Planned]:
    """The actions ``playbook`` takes for ``finding``, in playbook order (workloads before principals).

    Raises
    ------
    GuardRefused
        The finding names nothing the playbook can act on, or its scope (account, region) is missing.
    """
    account, region = finding.get("account"), finding.get("region")
    if not account or not region:
        raise GuardRefused(f"finding {finding.get('id')}: no account or region, so the scope of {playbook} is unknown")
    builders = {REVOKE_PRINCIPAL: _principal, QUARANTINE_BUCKET: _buckets, DISABLE_ENDPOINT: _workloads,
                RESTORE_LOGGING: _logging}
    if playbook not in builders:
        raise GuardRefused(f"{playbook!r} is not a containment playbook")
    planned = builders[playbook](finding, str(account), str(region), ctx)
    if not planned:
        raise GuardRefused(f"finding {finding.get('id')} names nothing {playbook} can contain")
    order = ordered(dict.fromkeys(p.action for p in planned))
    return sorted(planned, key=lambda p: order.index(p.action))


def _principal(finding: Mapping[str, Any], account: str, region: str, ctx: ResolveContext) -> list[Planned]:
    principal = finding.get("principal") or {}
    arn = principal.get("arn")
    if not arn:
        return []
    try:
        target = Target.from_arn(str(arn), account=account, region=region)
    except ValueError as e:
        raise GuardRefused(f"{arn}: not a principal aidr can contain ({e})") from None
    if target.type == "iam-role":
        return [Planned(a, target, named=str(arn)) for a in ROLE_ACTIONS]
    if target.type != "iam-user":
        raise GuardRefused(f"{arn}: revoke-principal contains IAM roles and users, not a {target.type}")
    key = principal.get("access_key_id")
    # A temporary (ASIA) key belongs to a session, revoked by revoke-user-sessions: then deactivate every key.
    keys = {"credential_ids": [key]} if isinstance(key, str) and key.startswith("AKIA") else {}
    actions = USER_ACTIONS
    if target.name.startswith(BEDROCK_API_KEY_USER_PREFIX):
        actions = ("deactivate-bedrock-api-keys", *actions)
    return [Planned(a, target, keys if a == "deactivate-access-keys" else {}, named=str(arn)) for a in actions]


def _resources(finding: Mapping[str, Any], types: Any) -> list[tuple[str, str]]:
    out = []
    for r in finding.get("resources") or []:
        if isinstance(r, Mapping) and r.get("type") in types and isinstance(r.get("id"), str):
            out.append((str(r["type"]), str(r["id"])))
    return list(dict.fromkeys(out))


def _target(rid: str, account: str, region: str) -> Target:
    try:
        return Target.from_arn(rid, account=account, region=region)
    except ValueError as e:
        raise GuardRefused(f"{rid}: not a resource aidr can contain ({e})") from None


def responder_exemption(role_arn: str) -> str:
    """What a quarantine exempts for the responder: every role under its stack's path when it has one, so the
    responder of a later deployment (a replaced role, a new name) can still undo.

    Examples
    --------
    >>> responder_exemption("arn:aws:iam::111122223333:role/aidr/aidr-prod/aidr-prod-PlaybookStepFunctionRole-X1")
    'arn:aws:iam::111122223333:role/aidr/aidr-prod/*'
    >>> responder_exemption("arn:aws:iam::111122223333:role/aidr-responder")
    'arn:aws:iam::111122223333:role/aidr-responder'
    """
    head, sep, rest = role_arn.partition(f":role{OWN_ROLE_PATH}")
    if not sep or "/" not in rest:
        return role_arn
    return f"{head}:role{OWN_ROLE_PATH}{rest.split('/', 1)[0]}/*"


def _buckets(finding: Mapping[str, Any], account: str, region: str, ctx: ResolveContext) -> list[Planned]:
    exempt = [responder_exemption(ctx.responder_role_arn)] if ctx.responder_role_arn else []
    exempt += [p for p in ctx.config.protected_principals if ":iam::" in p and p not in exempt]
    out = []
    for _, rid in _resources(finding, ("AWS::S3::Bucket",)):
        arn = rid if rid.startswith("arn:") else f"arn:aws:s3:::{rid}"
        out.append(Planned("quarantine-bucket", _target(arn, account, region), {"exempt_principal_arns": exempt},
                           named=arn))
    if out and not exempt:
        raise GuardRefused("quarantine-bucket: no responder role is known (AIDR_RESPONDER_ROLE_ARN), so the "
                           "quarantine would lock out its own undo")
    return out


def _workloads(finding: Mapping[str, Any], account: str, region: str, ctx: ResolveContext) -> list[Planned]:
    out = []
    for rtype, rid in _resources(finding, WORKLOAD_ACTIONS):
        if not rid.startswith("arn:") and rtype in _WORKLOAD_ARN_PREFIX:
            rid = "arn:aws:" + _WORKLOAD_ARN_PREFIX[rtype].format(region=region, account=account) + rid
        out.append(Planned(WORKLOAD_ACTIONS[rtype], _target(rid, account, region), named=rid))
    return out


def _logging(finding: Mapping[str, Any], account: str, region: str, ctx: ResolveContext) -> list[Planned]:
    if ctx.state is None:
        raise GuardRefused("restore-logging: the detectors' state is not available, so the configuration to put "
                           "back is unknown")
    key = logging_state_key(account, region)
    known = last_known_record(ctx.state, key)
    desired = None
    if known is not None and known.deleted:
        desired = known.value
    if desired is None:
        desired = value_before(ctx.state, key, [str(e) for e in finding.get("event_ids") or []])
    if not desired:
        raise GuardRefused(f"restore-logging: aidr never saw the invocation-logging configuration of "
                           f"{account}/{region} before this change, so there is nothing known-good to put back")
    get_action("restore-invocation-logging")  # registered (fails loudly if the library lost it)
    return [Planned("restore-invocation-logging", Target.logging_config(account, region),
                    {"logging_config": desired})]
