"""The read-only IAM policy an assessment needs, generated from the checks' declared ``api_calls``.

A boto3 operation maps to the IAM action ``<prefix>:<Operation>`` except where IAM names it differently
(:data:`ACTION_OVERRIDES`; Service Authorization Reference). docs/assess-policy.json is this document; a test
keeps the two equal.

Examples
--------
>>> iam_action("bedrock-agent:ListAgents"), iam_action("s3:GetBucketEncryption")
('bedrock:ListAgents', 's3:GetEncryptionConfiguration')
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

# boto3 service name -> IAM service prefix, where they differ.
PREFIXES = {"bedrock-agent": "bedrock", "s3control": "s3", "logs": "logs"}
# boto3 "<service>:<Operation>" -> IAM action, where IAM names the permission differently.
ACTION_OVERRIDES = {
    "s3:GetBucketEncryption": "s3:GetEncryptionConfiguration",
    "s3:GetPublicAccessBlock": "s3:GetBucketPublicAccessBlock",
    "s3:GetObjectLockConfiguration": "s3:GetBucketObjectLockConfiguration",
    "s3:ListBuckets": "s3:ListAllMyBuckets",
    "s3control:GetPublicAccessBlock": "s3:GetAccountPublicAccessBlock",
    "budgets:DescribeBudgets": "budgets:ViewBudget",
    "budgets:DescribeNotificationsForBudget": "budgets:ViewBudget",
}
# Calls every run makes besides the checks' own.
RUNNER_CALLS = ("ec2:DescribeRegions",)


def iam_action(call: str) -> str:
    if call in ACTION_OVERRIDES:
        return ACTION_OVERRIDES[call]
    service, op = call.split(":", 1)
    return f"{PREFIXES.get(service, service)}:{op}"


def iam_actions(calls: Iterable[str]) -> list[str]:
    return sorted({iam_action(c) for c in calls})


def assess_policy(checks: Iterable[Any] | None = None) -> dict[str, Any]:
    """The IAM policy document granting every action the checks (and the runner) call, read-only."""
    from .registry import all_checks

    calls = [c for chk in (checks if checks is not None else all_checks()) for c in chk.meta.api_calls]
    return {
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "AidrAssessReadOnly",
            "Effect": "Allow",
            "Action": iam_actions([*calls, *RUNNER_CALLS]),
            "Resource": "*",
        }],
    }
