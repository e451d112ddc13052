"""``aidr assess --demo``: an emulated account (moto, plus canned answers where moto has no API) with known gaps.

us-east-1 uses Bedrock (model metrics, an agent, a knowledge base, a guardrail) and SageMaker (a notebook, a
training job, a model); us-west-2 uses nothing, so its controls are NOT_APPLICABLE. :data:`SEEDED_GAPS` lists the
checks the seeded account fails; the demo test asserts the assessment finds exactly those.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

ACCOUNT = "123456789012"  # moto's default account
REGIONS = ["us-east-1", "us-west-2"]
HOME = "us-east-1"
STACK = "aidr"

SEEDED_GAPS = frozenset({
    # identity-data
    "bedrock.invocation_logging_text", "bedrock.invocation_log_group_encrypted", "bedrock.invocation_log_retention",
    "bedrock.invocation_log_bucket_encrypted", "bedrock.knowledge_base_data_source_kms",
    "cloudtrail.multi_region_management_events", "cloudtrail.bedrock_data_events", "cloudtrail.ai_bucket_data_events",
    "iam.bedrock_full_access_attached", "iam.bedrock_wildcard_grants", "iam.bedrock_long_term_api_keys",
    "iam.bedrock_api_key_expiry", "iam.bedrock_api_key_user_privileges", "iam.agent_role_least_privilege",
    "iam.agent_role_not_shared", "iam.agent_role_confused_deputy", "iam.ai_role_external_trust",
    "s3.account_public_access_block", "s3.ai_bucket_public_access_block", "s3.ai_bucket_encryption_kms",
    "s3.ai_bucket_versioning",
    "s3.training_bucket_object_lock", "s3.ai_bucket_tls_only", "sagemaker.notebook_kms", "sagemaker.training_job_kms",
    "guardrails.customer_managed_key", "agents.customer_managed_key",
    # infrastructure
    "sagemaker.notebook_direct_internet", "sagemaker.notebook_root_access", "sagemaker.notebook_in_vpc",
    "sagemaker.training_job_network_isolation",
    "sagemaker.model_network_isolation", "sagemaker.training_job_in_vpc", "sagemaker.model_in_vpc",
    "guardduty.ai_protection", "guardduty.s3_protection", "securityhub.enabled", "securityhub.ai_standard_enabled",
    "network.bedrock_vpc_endpoint", "network.bedrock_agent_vpc_endpoint", "network.sagemaker_vpc_endpoints",
    "aidr.rules_enabled", "aidr.security_hub_export",
    # application
    "guardrails.prompt_attack_high", "guardrails.sensitive_information", "guardrails.contextual_grounding",
    "agents.guardrail_attached", "cost.bedrock_budget", "cost.bedrock_usage_alarm", "aidr.maturity_phase_enhanced",
    "aidr.maturity_phase_advanced", "aidr.response_mode",
})

STACK_TEMPLATE = {
    "Parameters": {"MaturityPhase": {"Type": "String"}, "ResponseMode": {"Type": "String"},
                   "EnableSecurityHubExport": {"Type": "String"}},
    "Resources": {"FindingsTopic": {"Type": "AWS::SNS::Topic"}},
    "Outputs": {"EventBusName": {"Value": "aidr-bus"}},
}
BEDROCK_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "bedrock.amazonaws.com"}, "Action": "sts:AssumeRole"},
    {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::210987654321:root"}, "Action": "sts:AssumeRole"}]}
SAGEMAKER_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


@contextlib.contextmanager
def emulated_session(managed_policies: bool = True) -> Iterator[Any]:
    """A boto3 session inside ``moto.mock_aws`` with throwaway credentials (nothing leaves the process).

    ``managed_policies`` loads AWS managed policies into moto's IAM (slow; tests that need none skip it).
    """
    import boto3
    from moto import mock_aws

    keys = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "MOTO_IAM_LOAD_MANAGED_POLICIES")
    saved = {k: os.environ.get(k) for k in keys}
    # AWS managed policies (AdministratorAccess, AmazonBedrockFullAccess) exist in moto only when loaded.
    os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                      MOTO_IAM_LOAD_MANAGED_POLICIES=str(managed_policies).lower())
    os.environ.pop("AWS_SESSION_TOKEN", None)
    try:
        with mock_aws():
            yield boto3.session.Session(region_name=HOME)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def guardrail(gid: str, region: str, **policies: Any) -> dict[str, Any]:
    """A GetGuardrail response (required fields plus ``policies``)."""
    now = datetime(2026, 1, 5, tzinfo=UTC)
    return {"name": gid, "guardrailId": gid, "guardrailArn": f"arn:aws:bedrock:{region}:{ACCOUNT}:guardrail/{gid}",
            "version": "DRAFT", "status": "READY", "createdAt": now, "updatedAt": now,
            "blockedInputMessaging": "Blocked.", "blockedOutputsMessaging": "Blocked.", **policies}


def answer_guardrails(fake: Any, by_region: dict[str, list[dict[str, Any]]]) -> None:
    """Answer ListGuardrails / GetGuardrail from ``by_region`` (GetGuardrail responses)."""
    def listing(_: dict[str, Any], region: str) -> dict[str, Any]:
        return {"guardrails": [{"id": g["guardrailId"], "arn": g["guardrailArn"], "name": g["name"],
                                "status": g["status"], "version": g["version"], "createdAt": g["createdAt"],
                                "updatedAt": g["updatedAt"]} for g in by_region.get(region, [])]}

    def get(params: dict[str, Any], region: str) -> dict[str, Any]:
        return next(g for g in by_region.get(region, []) if g["guardrailId"] == params["guardrailIdentifier"])
    fake.answer("bedrock", "ListGuardrails", listing)
    fake.answer("bedrock", "GetGuardrail", get)


def seed(session: Any, fake: Any) -> None:
    """Create the demo account's resources (us-east-1) and canned answers."""
    r = HOME
    c = session.client
    c("cloudwatch", r).put_metric_data(Namespace="AWS/Bedrock", MetricData=[
        {"MetricName": "Invocations", "Value": 42,
         "Dimensions": [{"Name": "ModelId", "Value": "amazon.nova-lite-v1:0"}]}])
    # Logging: CloudWatch without KMS or retention, no text; S3 with S3-managed keys.
    c("logs", r).create_log_group(logGroupName="/aidr-demo/bedrock-invocations")
    s3 = c("s3", r)
    for b in ("demo-invocation-logs", "demo-training-data", "demo-model-artifacts", "demo-kb-docs"):
        s3.create_bucket(Bucket=b)
    c("iam").create_role(RoleName="demo-logging", AssumeRolePolicyDocument=json.dumps(BEDROCK_TRUST))
    c("bedrock", r).put_model_invocation_logging_configuration(loggingConfig={
        "cloudWatchConfig": {"logGroupName": "/aidr-demo/bedrock-invocations",
                             "roleArn": f"arn:aws:iam::{ACCOUNT}:role/demo-logging"},
        "s3Config": {"bucketName": "demo-invocation-logs"}, "textDataDeliveryEnabled": False})
    s3.put_bucket_encryption(Bucket="demo-invocation-logs", ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
    s3.put_public_access_block(Bucket="demo-invocation-logs", PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    _seed_iam(session)
    _seed_bedrock(session, fake)
    _seed_sagemaker(session)
    _seed_detection(session, fake)
    cfn = c("cloudformation", r)
    cfn.create_stack(StackName=STACK, TemplateBody=json.dumps(STACK_TEMPLATE), Parameters=[
        {"ParameterKey": "MaturityPhase", "ParameterValue": "foundational"},
        {"ParameterKey": "ResponseMode", "ParameterValue": "notify"},
        {"ParameterKey": "EnableSecurityHubExport", "ParameterValue": "false"}])
    ev = c("events", r)
    ev.create_event_bus(Name="aidr-bus")
    ev.put_rule(Name=f"{STACK}-BedrockApiCallRule-1A2B", EventPattern=json.dumps({"source": ["aws.bedrock"]}))
    ev.put_rule(Name=f"{STACK}-FindingRule-3C4D", EventBusName="aidr-bus",
                EventPattern=json.dumps({"source": ["aidr"]}), State="DISABLED")
    ct_bucket = "demo-cloudtrail"
    s3.create_bucket(Bucket=ct_bucket)
    ct = c("cloudtrail", r)
    ct.create_trail(Name="demo-trail", S3BucketName=ct_bucket, IsMultiRegionTrail=False)
    ct.start_logging(Name="demo-trail")


def _seed_iam(session: Any) -> None:
    iam = session.client("iam")
    iam.create_user(UserName="BedrockAPIKey-demo")
    iam.attach_user_policy(UserName="BedrockAPIKey-demo", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    iam.create_role(RoleName="demo-agent-role", AssumeRolePolicyDocument=json.dumps(BEDROCK_TRUST))
    iam.attach_role_policy(RoleName="demo-agent-role", PolicyArn="arn:aws:iam::aws:policy/AmazonBedrockFullAccess")
    iam.create_policy(PolicyName="demo-bedrock-everything", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "bedrock:*", "Resource": "*"}]}))
    iam.create_role(RoleName="demo-sagemaker-role", AssumeRolePolicyDocument=json.dumps(SAGEMAKER_TRUST))


def _seed_bedrock(session: Any, fake: Any) -> None:
    r = HOME
    agent = session.client("bedrock-agent", r)
    role = f"arn:aws:iam::{ACCOUNT}:role/demo-agent-role"
    for name in ("support-agent", "billing-agent"):  # two agents sharing one role
        agent.create_agent(agentName=name, agentResourceRoleArn=role, foundationModel="amazon.nova-lite-v1:0",
                           instruction="Answer customer questions about their orders, politely and briefly.")
    kb = agent.create_knowledge_base(
        name="support-docs", roleArn=role,
        knowledgeBaseConfiguration={"type": "VECTOR", "vectorKnowledgeBaseConfiguration": {
            "embeddingModelArn": f"arn:aws:bedrock:{r}::foundation-model/amazon.titan-embed-text-v2:0"}},
        storageConfiguration={"type": "OPENSEARCH_SERVERLESS", "opensearchServerlessConfiguration": {
            "collectionArn": f"arn:aws:aoss:{r}:{ACCOUNT}:collection/demo", "vectorIndexName": "docs",
            "fieldMapping": {"vectorField": "v", "textField": "t", "metadataField": "m"}}})["knowledgeBase"]
    now = datetime(2026, 1, 5, tzinfo=UTC)
    ds = {"knowledgeBaseId": kb["knowledgeBaseId"], "dataSourceId": "DS0000001", "name": "support-docs-s3",
          "status": "AVAILABLE", "createdAt": now, "updatedAt": now,
          "dataSourceConfiguration": {"type": "S3", "s3Configuration": {"bucketArn": "arn:aws:s3:::demo-kb-docs"}}}
    fake.answer("bedrock-agent", "ListDataSources", lambda p, reg: {"dataSourceSummaries": [
        {k: ds[k] for k in ("knowledgeBaseId", "dataSourceId", "name", "status", "updatedAt")}]}
        if reg == r and p.get("knowledgeBaseId") == kb["knowledgeBaseId"] else {"dataSourceSummaries": []})
    fake.answer("bedrock-agent", "GetDataSource", lambda p, reg: {"dataSource": ds})
    fake.answer("bedrock-agent", "ListPrompts", {"promptSummaries": []})
    answer_guardrails(fake, {r: [guardrail("gr-support", r, contentPolicy={"filters": [
        {"type": "PROMPT_ATTACK", "inputStrength": "MEDIUM", "outputStrength": "NONE"}]})]})
    fake.answer("iam", "ListServiceSpecificCredentials", {"ServiceSpecificCredentials": [
        {"UserName": "BedrockAPIKey-demo", "Status": "Active", "ServiceName": "bedrock.amazonaws.com",
         "ServiceSpecificCredentialId": "ACCA2EXAMPLEDEMOKEY01", "CreateDate": datetime(2025, 6, 1, tzinfo=UTC)}]})


def _seed_sagemaker(session: Any) -> None:
    sm = session.client("sagemaker", HOME)
    role = f"arn:aws:iam::{ACCOUNT}:role/demo-sagemaker-role"
    sm.create_notebook_instance(NotebookInstanceName="research-notebook", InstanceType="ml.t3.medium", RoleArn=role,
                                DirectInternetAccess="Enabled", RootAccess="Enabled")
    sm.create_training_job(
        TrainingJobName="fine-tune-2026-01", RoleArn=role,
        AlgorithmSpecification={"TrainingImage": "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.3",
                                "TrainingInputMode": "File"},
        InputDataConfig=[{"ChannelName": "train", "DataSource": {"S3DataSource": {
            "S3DataType": "S3Prefix", "S3Uri": "s3://demo-training-data/2026-01/"}}}],
        OutputDataConfig={"S3OutputPath": "s3://demo-model-artifacts/"},
        ResourceConfig={"InstanceType": "ml.g5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 50},
        StoppingCondition={"MaxRuntimeInSeconds": 3600})
    sm.create_model(ModelName="support-classifier", ExecutionRoleArn=role,
                    PrimaryContainer={"Image": "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.3",
                                      "ModelDataUrl": "s3://demo-model-artifacts/model.tar.gz"})


def _seed_detection(session: Any, fake: Any) -> None:
    session.client("guardduty", HOME).create_detector(Enable=True, Features=[
        {"Name": "RUNTIME_MONITORING", "Status": "ENABLED"}])
    session.client("s3control", HOME).put_public_access_block(AccountId=ACCOUNT, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": False, "RestrictPublicBuckets": False})
    fake.answer("securityhub", "GetEnabledStandards", {"StandardsSubscriptions": []})


def run_demo_assessment(regions: list[str] | None = None, progress: Any = None) -> Any:
    """Seed the emulated account and assess it; returns the :class:`~aidr.assess.Assessment`."""
    from aidr.assess import assess

    from .assess_emulator import FakeApis

    with emulated_session() as session:
        fake = FakeApis(session)
        seed(session, fake)
        return assess(session, regions or REGIONS, home_region=HOME, progress=progress)
