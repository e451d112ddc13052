"""Guards every containment passes before its snapshot: what aidr must never touch, and the finding's scope.

:func:`check_target` refuses (raises :class:`~aidr.errors.GuardRefused` with the reason) when the target is

- a protected principal (config ``protected_principals``; patterns are matched against the role/user ARN and, for
  a session, the session ARN the finding named), or one of aidr's own roles (path /aidr/, name patterns);
- the account's root user (IAM policies cannot restrict it);
- a service-linked role (path ``/aws-service-role/``: IAM forbids changing it) or an IAM Identity Center role
  (``AWSReservedSSO_``: owned by a permission set, which overwrites any change; contain the permission set or the
  user in Identity Center instead);
- outside the finding's account or region (an S3 bucket's owner and region are looked up: ARNs lack them).

It fails closed: a target it cannot parse, a finding without account or region, and any error while looking
something up are refusals, never a pass. It returns the target resolved by the lookups (an IAM principal with its
real path, a bucket with its region), which is what the actions should be given.

Examples
--------
>>> from aidr.config import AidrConfig
>>> check_target("arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123",
...              "111122223333", "us-east-1", AidrConfig(), ["aidr-*"])
Traceback (most recent call last):
...
aidr.errors.GuardRefused: arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123 \
is an IAM Identity Center role: change its permission set or the user in Identity Center instead
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from typing import Any

import boto3

from . import aws
from .actions.base import ClientFactory
from .actions.targets import Target
from .config import AidrConfig
from .errors import GuardRefused

SERVICE_LINKED_PATH = "/aws-service-role/"
# Every role of an aidr stack lives under /aidr/<stack name>/ (template.yaml: RolePath and Path). Unlike a name, the
# path is never shortened to fit IAM's 64-character role names, and it cannot be changed after a role is created.
OWN_ROLE_PATH = "/aidr/"
SSO_PATH = "/aws-reserved/sso.amazonaws.com/"
SSO_ROLE_PREFIX = "AWSReservedSSO_"
_ROOT = re.compile(r"^arn:aws[a-z-]*:(?:iam|sts)::\d{12}:root$")


def check_target(
    target: Target | str,
    finding_account: str | None,
    finding_region: str | None,
    config: AidrConfig,
    own_role_patterns: Iterable[str],
    *,
    client_factory: ClientFactory | None = None,
    session: boto3.session.Session | None = None,
) -> Target:
    """Refuse targets aidr must not touch; return the target resolved by the lookups.

    Parameters
    ----------
    target
        A :class:`~aidr.actions.targets.Target` or an ARN (a role, user, STS session, bucket, SageMaker or Bedrock
        agent alias ARN).
    finding_account, finding_region
        Where the finding happened; the target must be there.
    config
        aidr configuration (``protected_principals``).
    own_role_patterns
        Name patterns (``*`` wildcard) of aidr's own roles, e.g. ``["aidr-*"]``.
    client_factory, session
        How lookups get their clients (default :func:`aidr.aws.client`).

    Raises
    ------
    GuardRefused
        With the reason; also for any error during the checks (fail closed).
    """
    label = target if isinstance(target, str) else target.label
    try:
        return _check(target, finding_account, finding_region, config, list(own_role_patterns),
                      lambda service, region: (client_factory(service, region) if client_factory
                                               else aws.client(service, region, session)))
    except GuardRefused:
        raise
    except Exception as e:  # fail closed: a guard that cannot decide refuses
        raise GuardRefused(f"{label}: refused because a guard check failed: {type(e).__name__}: {e}") from e


def _check(target: Target | str, account: str | None, region: str | None, config: AidrConfig,
           own: list[str], clients: ClientFactory) -> Target:
    named = target if isinstance(target, str) else None
    if named and _ROOT.match(named):
        raise GuardRefused(f"{named} is the account's root user: aidr never contains it")
    if not account or not region:
        raise GuardRefused(f"{named or target}: the finding has no account or region, so its scope is unknown")
    if isinstance(target, str):
        try:
            target = Target.from_arn(target, account=account, region=region)
        except ValueError as e:
            raise GuardRefused(f"{named}: not a target aidr can contain ({e})") from None
    if target.account != account:
        raise GuardRefused(f"{target.label} is in account {target.account}, outside the finding's account {account}")
    if target.region is not None and target.region != region:
        raise GuardRefused(f"{target.label} is in region {target.region}, outside the finding's region {region}")

    if target.type == "iam-role":
        _refuse_role(target, own)
        role = clients("iam", None).get_role(RoleName=target.name)["Role"]
        target = target.model_copy(update={"path": role["Path"]})
        _refuse_role(target, own)
        _refuse_protected(config, target.arn, role["Arn"], named)
    elif target.type == "iam-user":
        user = clients("iam", None).get_user(UserName=target.name)["User"]
        target = target.model_copy(update={"path": user["Path"]})
        _refuse_protected(config, target.arn, user["Arn"], named)
    elif target.type == "s3-bucket":
        s3 = clients("s3", region)
        # ExpectedBucketOwner: S3 answers AccessDenied when another account owns a bucket of that name.
        found = s3.get_bucket_location(Bucket=target.name, ExpectedBucketOwner=account)
        bucket_region = _bucket_region(found.get("LocationConstraint"))
        if bucket_region != region:
            raise GuardRefused(f"{target.label} is in region {bucket_region}, outside the finding's region {region}")
        _refuse_protected(config, target.arn)
    else:
        _refuse_protected(config, target.arn)
    return target


def _refuse_role(target: Target, own: list[str]) -> None:
    path = target.path or ""
    if path.startswith(SERVICE_LINKED_PATH):
        raise GuardRefused(f"{target.label} is a service-linked role: IAM does not allow changing its policies")
    if target.name.startswith(SSO_ROLE_PREFIX) or path.startswith(SSO_PATH):
        raise GuardRefused(f"{target.label} is an IAM Identity Center role: change its permission set or the user "
                           "in Identity Center instead")
    if path.startswith(OWN_ROLE_PATH):
        raise GuardRefused(f"{target.label} is one of aidr's own roles (path {path})")
    mine = next((p for p in own if fnmatch.fnmatchcase(target.name, p)), None)
    if mine:
        raise GuardRefused(f"{target.label} is one of aidr's own roles (matches {mine!r})")


def _refuse_protected(config: AidrConfig, *arns: str | None) -> None:
    for arn in filter(None, arns):
        pattern = next((p for p in config.protected_principals if fnmatch.fnmatchcase(arn, p)), None)
        if pattern:
            raise GuardRefused(f"{arn} is protected (config protected_principals: {pattern!r})")


def _bucket_region(constraint: Any) -> str:
    # GetBucketLocation: no constraint means us-east-1; "EU" is the legacy name of eu-west-1.
    if not constraint:
        return "us-east-1"
    return "eu-west-1" if constraint == "EU" else str(constraint)
