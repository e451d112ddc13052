"""One emulated starting point per moto-backed action: the resources, the target, the options, and ``observe()``,
which reads everything the action could change (so tests can prove dry-runs change nothing and undo restores it
all). Builders run inside ``mock_aws``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3
from aidr.actions import Target
from botocore.exceptions import ClientError

from tests.unit.actions.support import ACCOUNT, REGION

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
READ_DATA = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::training-data-0001/*"}]}
RESPONDER = f"arn:aws:iam::{ACCOUNT}:role/aidr-responder"
BREAK_GLASS = f"arn:aws:iam::{ACCOUNT}:role/break-glass"
EXECUTION_ROLE = f"arn:aws:iam::{ACCOUNT}:role/service/sagemaker-execution"
GOOD_LOGGING = {
    "cloudWatchConfig": {"logGroupName": "/aidr/bedrock/invocations",
                         "roleArn": f"arn:aws:iam::{ACCOUNT}:role/bedrock-logging"},
    "s3Config": {"bucketName": "bedrock-invocation-logs-0001", "keyPrefix": "logs/"},
    "textDataDeliveryEnabled": True, "imageDataDeliveryEnabled": True, "embeddingDataDeliveryEnabled": True,
}
WEAKENED_LOGGING = {"s3Config": {"bucketName": "bedrock-invocation-logs-0001"}, "textDataDeliveryEnabled": False}


@dataclass
class Scenario:
    target: Target
    observe: Callable[[], Any]
    options: dict[str, Any] = field(default_factory=dict)


@functools.cache
def client(service: str) -> Any:
    """Set-up and observation clients, made once: moto intercepts clients made before ``mock_aws`` starts too."""
    return boto3.client(service, region_name=REGION)


def _absent(call: Callable[[], Any], *codes: str) -> Any:
    try:
        return call()
    except ClientError as e:
        if e.response["Error"]["Code"] in codes:
            return None
        raise


# -- IAM -----------------------------------------------------------------------------------------------------------
def make_role(name: str = "ml-pipeline", path: str = "/service/", policies: dict[str, Any] | None = None) -> Target:
    iam = client("iam")
    iam.create_role(RoleName=name, Path=path, AssumeRolePolicyDocument=TRUST)
    for pname, doc in (policies or {}).items():
        iam.put_role_policy(RoleName=name, PolicyName=pname, PolicyDocument=json.dumps(doc))
    return Target(type="iam-role", name=name, account=ACCOUNT, path=path)


def make_user(name: str = "alice", policies: dict[str, Any] | None = None, password: bool = False) -> Target:
    iam = client("iam")
    iam.create_user(UserName=name)
    for pname, doc in (policies or {}).items():
        iam.put_user_policy(UserName=name, PolicyName=pname, PolicyDocument=json.dumps(doc))
    if password:
        iam.create_login_profile(UserName=name, Password="Correct-Horse-9!", PasswordResetRequired=False)
    return Target(type="iam-user", name=name, account=ACCOUNT, path="/")


def inline_policies(target: Target) -> dict[str, Any]:
    iam = client("iam")
    if target.type == "iam-role":
        names = iam.list_role_policies(RoleName=target.name)["PolicyNames"]
        return {n: iam.get_role_policy(RoleName=target.name, PolicyName=n)["PolicyDocument"] for n in names}
    names = iam.list_user_policies(UserName=target.name)["PolicyNames"]
    return {n: iam.get_user_policy(UserName=target.name, PolicyName=n)["PolicyDocument"] for n in names}


def key_statuses(user: str) -> dict[str, str]:
    return {k["AccessKeyId"]: k["Status"] for k in client("iam").list_access_keys(UserName=user)["AccessKeyMetadata"]}


def login_profile(user: str) -> Any:
    found = _absent(lambda: client("iam").get_login_profile(UserName=user), "NoSuchEntity")
    return found and found["LoginProfile"]["PasswordResetRequired"]


# -- S3 ------------------------------------------------------------------------------------------------------------
def make_bucket(name: str = "training-data-0001", policy: dict[str, Any] | None = None,
                tags: list[dict[str, str]] | None = None, pab: dict[str, bool] | None = None) -> Target:
    s3 = client("s3")
    s3.create_bucket(Bucket=name)
    if policy is not None:
        s3.put_bucket_policy(Bucket=name, Policy=json.dumps(policy))
    if tags:
        s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": tags})
    if pab is not None:
        s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=pab)
    return Target(type="s3-bucket", name=name, account=ACCOUNT, region=REGION)


def bucket_state(name: str) -> tuple[Any, Any, Any]:
    s3 = client("s3")
    policy = _absent(lambda: s3.get_bucket_policy(Bucket=name), "NoSuchBucketPolicy")
    pab = _absent(lambda: s3.get_public_access_block(Bucket=name), "NoSuchPublicAccessBlockConfiguration")
    tags = _absent(lambda: s3.get_bucket_tagging(Bucket=name), "NoSuchTagSet")
    return (json.loads(policy["Policy"]) if policy else None,
            pab and pab["PublicAccessBlockConfiguration"],
            tags and sorted((t["Key"], t.get("Value", "")) for t in tags["TagSet"]))


# -- SageMaker -----------------------------------------------------------------------------------------------------
def make_endpoint(name: str = "fraud-scoring", tags: list[dict[str, str]] | None = None) -> Target:
    sm = client("sagemaker")
    sm.create_model(ModelName=f"{name}-model", ExecutionRoleArn=EXECUTION_ROLE, PrimaryContainer={
        "Image": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/fraud:1", "ModelDataUrl": "s3://models-0001/fraud.tar.gz"})
    sm.create_endpoint_config(EndpointConfigName=f"{name}-config", ProductionVariants=[{
        "VariantName": "primary", "ModelName": f"{name}-model", "InitialInstanceCount": 1,
        "InstanceType": "ml.m5.large"}])
    sm.create_endpoint(EndpointName=name, EndpointConfigName=f"{name}-config", Tags=tags or [])
    return Target.from_arn(f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:endpoint/{name}")


def endpoint_state(name: str) -> Any:
    sm = client("sagemaker")
    found = _absent(lambda: sm.describe_endpoint(EndpointName=name), "ValidationException")
    configs = sorted(c["EndpointConfigName"] for c in sm.list_endpoint_configs()["EndpointConfigs"])
    models = sorted(m["ModelName"] for m in sm.list_models()["Models"])
    if found is None:
        return None, configs, models
    tags = sorted((t["Key"], t["Value"]) for t in sm.list_tags(ResourceArn=found["EndpointArn"])["Tags"])
    return (found["EndpointConfigName"], tags), configs, models


def make_notebook(name: str = "research-nb") -> Target:
    sm = client("sagemaker")
    sm.create_notebook_instance(NotebookInstanceName=name, InstanceType="ml.t3.medium", RoleArn=EXECUTION_ROLE)
    sm.start_notebook_instance(NotebookInstanceName=name)
    return Target.from_arn(f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:notebook-instance/{name}")


def notebook_status(name: str) -> str:
    return client("sagemaker").describe_notebook_instance(NotebookInstanceName=name)["NotebookInstanceStatus"]


def make_model_package(status: str = "Approved", description: str | None = "approved by ml-platform") -> Target:
    sm = client("sagemaker")
    sm.create_model_package_group(ModelPackageGroupName="fraud-models")
    arn = sm.create_model_package(ModelPackageGroupName="fraud-models",
                                  ModelApprovalStatus="PendingManualApproval")["ModelPackageArn"]
    kwargs = {"ApprovalDescription": description} if description else {}
    sm.update_model_package(ModelPackageArn=arn, ModelApprovalStatus=status, **kwargs)
    return Target.from_arn(arn)


def model_package_state(target: Target) -> tuple[Any, Any]:
    found = client("sagemaker").describe_model_package(ModelPackageName=target.arn)
    return found.get("ModelApprovalStatus"), found.get("ApprovalDescription")


# -- Bedrock -------------------------------------------------------------------------------------------------------
def logging_config() -> Any:
    return client("bedrock").get_model_invocation_logging_configuration().get("loggingConfig") or None


def _logging() -> Scenario:
    client("bedrock").put_model_invocation_logging_configuration(loggingConfig=WEAKENED_LOGGING)
    return Scenario(Target.logging_config(ACCOUNT, REGION), logging_config, {"logging_config": GOOD_LOGGING})


def _role_scenario() -> Scenario:
    t = make_role(policies={"ReadTrainingData": READ_DATA})
    return Scenario(t, lambda: inline_policies(t))


def _user_scenario() -> Scenario:
    t = make_user(policies={"ReadTrainingData": READ_DATA}, password=True)
    return Scenario(t, lambda: (inline_policies(t), login_profile(t.name), key_statuses(t.name)))


def _keys() -> Scenario:
    t = make_user()
    iam = client("iam")
    iam.create_access_key(UserName=t.name)
    old = iam.create_access_key(UserName=t.name)["AccessKey"]["AccessKeyId"]
    iam.update_access_key(UserName=t.name, AccessKeyId=old, Status="Inactive")
    return Scenario(t, lambda: key_statuses(t.name))


def _bucket() -> Scenario:
    t = make_bucket(policy={"Version": "2012-10-17", "Statement": [{
        "Sid": "TrainingJobs", "Effect": "Allow", "Principal": {"AWS": EXECUTION_ROLE}, "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::training-data-0001/*"}]}, tags=[{"Key": "team", "Value": "ml"}])
    return Scenario(t, lambda: bucket_state(t.name), {"exempt_principal_arns": [RESPONDER, BREAK_GLASS]})


def _endpoint() -> Scenario:
    t = make_endpoint(tags=[{"Key": "team", "Value": "ml"}, {"Key": "cost-center", "Value": "4711"}])
    return Scenario(t, lambda: endpoint_state(t.name))


def _notebook() -> Scenario:
    t = make_notebook()
    return Scenario(t, lambda: notebook_status(t.name))


def _model_package() -> Scenario:
    t = make_model_package()
    return Scenario(t, lambda: model_package_state(t))


SCENARIOS: dict[str, Callable[[], Scenario]] = {
    "revoke-role-sessions": _role_scenario,
    "revoke-user-sessions": _user_scenario,
    "deny-bedrock": _role_scenario,
    "disable-login-profile": _user_scenario,
    "deactivate-access-keys": _keys,
    "quarantine-bucket": _bucket,
    "delete-endpoint": _endpoint,
    "stop-notebook": _notebook,
    "reject-model-package": _model_package,
    "restore-invocation-logging": _logging,
}

# Actions moto cannot emulate (DESIGN.md: no bedrock-agent aliases, no service-specific credentials), tested with
# botocore's Stubber instead, in these modules.
STUBBED = {
    "pause-agent-alias": "tests/unit/actions/test_agent_alias.py",
    "deactivate-bedrock-api-keys": "tests/unit/actions/test_bedrock_api_keys.py",
}
