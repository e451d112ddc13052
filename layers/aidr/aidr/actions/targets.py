"""What a containment action acts on: one IAM principal, bucket, SageMaker resource, agent alias or logging config.

A :class:`Target` is plain data (pydantic, JSON-serialisable) so Step Functions can carry it between states. Build
one from an ARN with :meth:`Target.from_arn`; S3 bucket ARNs carry neither account nor region, so those come from
the finding (and :func:`aidr.guards.check_target` checks them against the bucket itself).

Examples
--------
>>> t = Target.from_arn("arn:aws:iam::111122223333:role/service/ml-pipeline")
>>> (t.type, t.name, t.path, t.region)
('iam-role', 'ml-pipeline', '/service/', None)
>>> Target.from_arn("arn:aws:sts::111122223333:assumed-role/ml-pipeline/i-0abc").path is None
True
>>> Target.from_arn("arn:aws:s3:::training-data", account="111122223333", region="us-east-1").arn
'arn:aws:s3:::training-data'
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, field_validator

TargetType = Literal[
    "iam-role",
    "iam-user",
    "s3-bucket",
    "sagemaker-endpoint",
    "sagemaker-notebook-instance",
    "sagemaker-model-package",
    "bedrock-agent-alias",
    "bedrock-logging-config",
]

_ACCOUNT = re.compile(r"^\d{12}$")
_ARN = re.compile(r"^arn:(?P<partition>aws[a-z-]*):(?P<service>[a-z0-9-]+):(?P<region>[a-z0-9-]*):"
                  r"(?P<account>\d{12}|):(?P<resource>.+)$")
# resource-type prefix of a regional ARN -> target type
_REGIONAL: dict[tuple[str, str], TargetType] = {
    ("sagemaker", "endpoint"): "sagemaker-endpoint",
    ("sagemaker", "notebook-instance"): "sagemaker-notebook-instance",
    ("sagemaker", "model-package"): "sagemaker-model-package",
    ("bedrock", "agent-alias"): "bedrock-agent-alias",
}
_REGIONAL_PREFIX = {v: k[1] for k, v in _REGIONAL.items()}


class Target(BaseModel):
    """One resource or principal to contain.

    ``name`` is what the APIs take: a role or user name, a bucket name, an endpoint / notebook name, a model package
    ``group/version``, an agent alias ``AGENTID/ALIASID``, or ``account/region`` for the logging configuration.
    ``path`` is the IAM path (None when not known yet, e.g. from an assumed-role session ARN).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: TargetType
    name: str
    account: str
    region: str | None = None
    partition: str = "aws"
    path: str | None = None

    @field_validator("account")
    @classmethod
    def _account(cls, v: str) -> str:
        if not _ACCOUNT.match(v):
            raise ValueError(f"account {v!r} is not a 12-digit AWS account id")
        return v

    @property
    def is_iam(self) -> bool:
        return self.type in ("iam-role", "iam-user")

    @property
    def arn(self) -> str | None:
        """The resource's ARN (None for the logging configuration, which has none)."""
        p = self.partition
        if self.type == "iam-role":
            return f"arn:{p}:iam::{self.account}:role{self.path or '/'}{self.name}"
        if self.type == "iam-user":
            return f"arn:{p}:iam::{self.account}:user{self.path or '/'}{self.name}"
        if self.type == "s3-bucket":
            return f"arn:{p}:s3:::{self.name}"
        if self.type == "bedrock-logging-config":
            return None
        service = "bedrock" if self.type == "bedrock-agent-alias" else "sagemaker"
        return f"arn:{p}:{service}:{self.region}:{self.account}:{_REGIONAL_PREFIX[self.type]}/{self.name}"

    @property
    def label(self) -> str:
        """How messages and plans name the target."""
        return self.arn or f"Bedrock model invocation logging in {self.account}/{self.region}"

    @classmethod
    def from_arn(cls, arn: str, *, account: str | None = None, region: str | None = None) -> Target:
        """Parse an IAM role/user (or STS assumed-role session), S3 bucket, SageMaker endpoint / notebook instance /
        model package or Bedrock agent alias ARN.

        ``account`` and ``region`` are required for S3 buckets, whose ARN has neither.

        Raises
        ------
        ValueError
            For the root user, malformed ARNs and resource types no action handles.
        """
        m = _ARN.match(arn)
        if not m:
            raise ValueError(f"not an ARN: {arn!r}")
        partition, service, arn_region, arn_account, resource = m.group(
            "partition", "service", "region", "account", "resource")
        if service in ("iam", "sts") and resource == "root":
            raise ValueError(f"{arn} is the account's root user")
        if service == "iam" and resource.startswith(("role/", "user/")):
            kind, _, rest = resource.partition("/")
            path, _, name = rest.rpartition("/")
            return cls(type="iam-role" if kind == "role" else "iam-user", name=name, account=arn_account,
                       partition=partition, path=f"/{path}/" if path else "/")
        if service == "sts" and resource.startswith("assumed-role/"):
            role = resource.split("/")[1]
            return cls(type="iam-role", name=role, account=arn_account, partition=partition)
        if service == "s3" and resource and "/" not in resource:
            if not account or not region:
                raise ValueError(f"{arn}: an S3 bucket ARN has no account or region; pass the finding's")
            return cls(type="s3-bucket", name=resource, account=account, region=region, partition=partition)
        kind, _, name = resource.partition("/")
        target_type = _REGIONAL.get((service, kind))
        if target_type is None or not name or not arn_region:
            raise ValueError(f"{arn}: no containment action handles {service} {kind!r} resources")
        return cls(type=target_type, name=name, account=arn_account, region=arn_region, partition=partition)

    @classmethod
    def logging_config(cls, account: str, region: str) -> Target:
        """The Bedrock model-invocation logging configuration of one account and region."""
        return cls(type="bedrock-logging-config", name=f"{account}/{region}", account=account, region=region)
