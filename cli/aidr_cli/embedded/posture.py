"""The part of the seeded account containment can change, read back through the APIs, to compare before/after.

Independent of the playbooks' own snapshots on purpose: "rolled back" is checked by reading the account, not by
trusting the component that did the rollback.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError


def _try(call: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return call(*args, **kwargs)
    except ClientError as e:
        return {"error": e.response.get("Error", {}).get("Code", "ClientError")}


def read_posture(inventory: dict[str, Any]) -> dict[str, Any]:
    """Principals' policies and keys, data buckets' policies and public-access blocks, endpoints, notebooks,
    invocation logging: keyed so two readings compare with ``==`` and diff with :func:`differences`."""
    from aidr.aws import client

    iam, s3, sm = client("iam"), client("s3"), client("sagemaker")
    out: dict[str, Any] = {}
    for role in inventory.get("roles", {}):
        names = iam.list_role_policies(RoleName=role)["PolicyNames"]
        out[f"role/{role}/inline"] = {n: iam.get_role_policy(RoleName=role, PolicyName=n)["PolicyDocument"]
                                      for n in names}
        out[f"role/{role}/attached"] = sorted(p["PolicyArn"] for p in
                                              iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"])
    for user in inventory.get("users", {}):
        names = iam.list_user_policies(UserName=user)["PolicyNames"]
        out[f"user/{user}/inline"] = {n: iam.get_user_policy(UserName=user, PolicyName=n)["PolicyDocument"]
                                      for n in names}
        out[f"user/{user}/keys"] = {k["AccessKeyId"]: k["Status"]
                                    for k in iam.list_access_keys(UserName=user)["AccessKeyMetadata"]}
    for bucket in (inventory.get("buckets") or {}).values():
        pol = _try(s3.get_bucket_policy, Bucket=bucket)
        out[f"bucket/{bucket}/policy"] = json.loads(pol["Policy"]) if "Policy" in pol else pol
        out[f"bucket/{bucket}/public-access-block"] = _try(s3.get_public_access_block, Bucket=bucket).get(
            "PublicAccessBlockConfiguration", "none")
    sage = inventory.get("sagemaker") or {}
    if sage.get("endpoint"):
        ep = _try(sm.describe_endpoint, EndpointName=sage["endpoint"])
        out[f"endpoint/{sage['endpoint']}"] = {k: ep.get(k) for k in ("EndpointStatus", "EndpointConfigName", "error")}
    if sage.get("notebook"):
        nb = _try(sm.describe_notebook_instance, NotebookInstanceName=sage["notebook"])
        out[f"notebook/{sage['notebook']}"] = nb.get("NotebookInstanceStatus", nb.get("error"))
    logging_cfg = _try(client("bedrock").get_model_invocation_logging_configuration)
    out["bedrock/invocation-logging"] = logging_cfg.get("loggingConfig", logging_cfg.get("error"))
    return out


def differences(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Keys whose value differs (or exists on one side only)."""
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
