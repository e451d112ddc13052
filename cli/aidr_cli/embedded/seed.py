"""A realistic AI workload account for the demo: what the scenarios attack and the playbooks contain.

- Bedrock model-invocation logging to S3 and CloudWatch Logs, a guardrail, an agent over a knowledge base;
- a SageMaker endpoint serving a fine-tuned model, and a research notebook;
- training-data and knowledge-base buckets (tagged, versioned, private, with policies that let only the
  pipeline write);
- the chat application's role, the training pipeline's role, an analyst role, a break-glass role, and the CI user
  whose access key leaks in the LLMjacking scenario;
- a multi-region trail with S3 and Bedrock data events, and a GuardDuty detector.

moto lacks Bedrock guardrails: the guardrail is recorded in the returned inventory as declared but not emulated.
"""

from __future__ import annotations

import json
from typing import Any

from .account import ACCOUNT, REGION

TRAINING_BUCKET = "ml-training-data-prod"
KB_BUCKET = "kb-source-hr-policies"
LOG_BUCKET = f"bedrock-invocation-logs-{ACCOUNT}"
LOG_GROUP = "/aws/bedrock/modelinvocations"
LEAKED_KEY = "AKIAEXAMPLELEAKED001"  # the key id the LLMjacking scenario's CloudTrail shows
AI_TAG = {"Key": "ai:workload", "Value": "genai"}

ROLES = {
    "chat-app": ("lambda.amazonaws.com", {
        "Sid": "InvokeApprovedModels", "Effect": "Allow",
        "Action": ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream", "bedrock:Converse",
                   "bedrock:ConverseStream", "bedrock:ApplyGuardrail"],
        "Resource": ["arn:aws:bedrock:*::foundation-model/anthropic.claude-3-haiku-*",
                     f"arn:aws:bedrock:{REGION}:{ACCOUNT}:guardrail/*"]}),
    "ml-pipeline": ("sagemaker.amazonaws.com", {
        "Sid": "CurateTrainingData", "Effect": "Allow",
        "Action": ["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
        "Resource": [f"arn:aws:s3:::{TRAINING_BUCKET}", f"arn:aws:s3:::{TRAINING_BUCKET}/*"]}),
    "sagemaker-execution": ("sagemaker.amazonaws.com", {
        "Sid": "ReadTrainingData", "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
        "Resource": [f"arn:aws:s3:::{TRAINING_BUCKET}", f"arn:aws:s3:::{TRAINING_BUCKET}/*"]}),
    "data-analyst": ("ec2.amazonaws.com", {
        "Sid": "ReadOnlyAnalytics", "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket", "s3:PutObject"],
        "Resource": ["arn:aws:s3:::*"]}),
    "bedrock-kb-service": ("bedrock.amazonaws.com", {
        "Sid": "ReadKnowledgeBaseSources", "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
        "Resource": [f"arn:aws:s3:::{KB_BUCKET}", f"arn:aws:s3:::{KB_BUCKET}/*"]}),
    "security-oncall": ("ec2.amazonaws.com", {
        "Sid": "ReviewFindings", "Effect": "Allow", "Action": ["dynamodb:GetItem", "execute-api:Invoke"],
        "Resource": "*"}),
    "security-break-glass": ("ec2.amazonaws.com", {
        "Sid": "BreakGlass", "Effect": "Allow", "Action": "*", "Resource": "*"}),
}

DEMO_CONFIG = f"""\
approved_models: [anthropic.claude-3-5-sonnet, anthropic.claude-3-haiku, amazon.nova]
trusted_principals: ["arn:aws:iam::{ACCOUNT}:role/ml-pipeline", "arn:aws:sts::{ACCOUNT}:assumed-role/ml-pipeline/*"]
protected_data_buckets: [{TRAINING_BUCKET}, {KB_BUCKET}]
protected_principals: ["arn:aws:iam::*:role/aidr-*", "arn:aws:iam::{ACCOUNT}:role/security-break-glass"]
require_guardrails: true
approvers: ["arn:aws:iam::{ACCOUNT}:role/security-oncall"]
ai_resource_tags: {{"ai:workload": []}}
"""


def _role(iam: Any, name: str, service: str, statement: dict[str, Any]) -> str:
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]}
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust), Tags=[AI_TAG])["Role"]["Arn"]
    iam.put_role_policy(RoleName=name, PolicyName=f"{name}-policy",
                        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [statement]}))
    return arn


def _bucket(s3: Any, name: str, purpose: str, writers: list[str], objects: dict[str, bytes]) -> None:
    s3.create_bucket(Bucket=name)
    for key, body in objects.items():  # before the policy: moto enforces it, and only curators may write
        s3.put_object(Bucket=name, Key=key, Body=body)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [AI_TAG, {"Key": "ai:data", "Value": purpose}]})
    policy = {"Version": "2012-10-17", "Statement": [
        {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
         "Resource": [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"],
         "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        {"Sid": "OnlyCuratorsWrite", "Effect": "Deny", "Principal": "*", "Action": ["s3:PutObject", "s3:DeleteObject"],
         "Resource": f"arn:aws:s3:::{name}/*", "Condition": {"ArnNotLike": {"aws:PrincipalArn": writers}}}]}
    s3.put_bucket_policy(Bucket=name, Policy=json.dumps(policy))


def seed_account() -> dict[str, Any]:
    """Create the workload in the active emulated account; returns its inventory (names, ARNs, notes)."""
    from aidr.aws import client

    iam, s3 = client("iam"), client("s3")
    inv: dict[str, Any] = {"account": ACCOUNT, "region": REGION, "roles": {}, "not_emulated": {}}
    for name, (service, statement) in ROLES.items():
        inv["roles"][name] = _role(iam, name, service, statement)

    iam.create_user(UserName="ci-build", Tags=[{"Key": "team", "Value": "platform"}])
    iam.put_user_policy(UserName="ci-build", PolicyName="ci-deploy", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["bedrock:*", "s3:*"], "Resource": "*"}]}))
    key = iam.create_access_key(UserName="ci-build")["AccessKey"]["AccessKeyId"]
    _rename_access_key("ci-build", key, LEAKED_KEY)
    inv["users"] = {"ci-build": {"access_keys": [LEAKED_KEY]}}

    pipeline = inv["roles"]["ml-pipeline"]
    _bucket(s3, TRAINING_BUCKET, "training", [pipeline], {"datasets/support-chat/v7/train.jsonl":
            b'{"prompt": "How do I reset my password?", "completion": "Open Settings > Security."}\n'})
    _bucket(s3, KB_BUCKET, "knowledge-base", [pipeline], {"policies/handbook.md": b"# Employee handbook\n"})
    s3.create_bucket(Bucket=LOG_BUCKET)
    inv["buckets"] = {"training": TRAINING_BUCKET, "knowledge_base": KB_BUCKET, "invocation_logs": LOG_BUCKET}

    logs = client("logs")
    logs.create_log_group(logGroupName=LOG_GROUP)
    logging_role = _role(iam, "bedrock-logging", "bedrock.amazonaws.com", {
        "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{LOG_GROUP}:*"})
    client("bedrock").put_model_invocation_logging_configuration(loggingConfig={
        "cloudWatchConfig": {"logGroupName": LOG_GROUP, "roleArn": logging_role},
        "s3Config": {"bucketName": LOG_BUCKET, "keyPrefix": "bedrock/"},
        "textDataDeliveryEnabled": True, "imageDataDeliveryEnabled": True, "embeddingDataDeliveryEnabled": True})
    inv["invocation_logging"] = {"log_group": LOG_GROUP, "bucket": LOG_BUCKET}
    inv["not_emulated"]["guardrail"] = {
        "name": "support-chat-guardrail", "id": "gr-support-chat", "version": "3",
        "filters": ["PROMPT_ATTACK:HIGH", "SENSITIVE_INFORMATION:AWS_ACCESS_KEY:BLOCK"],
        "why": "moto has no Bedrock guardrails API"}

    inv["sagemaker"] = _sagemaker(client("sagemaker"), inv["roles"]["sagemaker-execution"])
    inv["agent"] = _agent(client, inv["roles"]["bedrock-kb-service"])

    trail_bucket = f"cloudtrail-{ACCOUNT}"
    s3.create_bucket(Bucket=trail_bucket)
    ct = client("cloudtrail")
    ct.create_trail(Name="org-trail", S3BucketName=trail_bucket, IsMultiRegionTrail=True)
    ct.put_event_selectors(TrailName="org-trail", AdvancedEventSelectors=[
        {"Name": "management", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]},
        {"Name": "training and knowledge-base data", "FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Data"]}, {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
            {"Field": "resources.ARN",
             "StartsWith": [f"arn:aws:s3:::{TRAINING_BUCKET}/", f"arn:aws:s3:::{KB_BUCKET}/"]}]}])
    ct.start_logging(Name="org-trail")
    inv["trail"] = "org-trail"
    inv["guardduty_detector"] = client("guardduty").create_detector(Enable=True)["DetectorId"]
    return inv


def _sagemaker(sm: Any, role: str) -> dict[str, Any]:
    image = f"763104351884.dkr.ecr.{REGION}.amazonaws.com/huggingface-pytorch-tgi-inference:2.3-tgi2.2-gpu-py310"
    sm.create_model(ModelName="support-chat-llm-v7", ExecutionRoleArn=role, Tags=[AI_TAG], PrimaryContainer={
        "Image": image, "ModelDataUrl": f"s3://{TRAINING_BUCKET}/models/support-chat/v7/model.tar.gz"})
    sm.create_endpoint_config(EndpointConfigName="support-chat-llm-v7-config", ProductionVariants=[{
        "VariantName": "AllTraffic", "ModelName": "support-chat-llm-v7", "InitialInstanceCount": 1,
        "InstanceType": "ml.g4dn.2xlarge"}])
    sm.create_endpoint(EndpointName="support-chat-llm", EndpointConfigName="support-chat-llm-v7-config",
                       Tags=[AI_TAG])
    sm.create_notebook_instance(NotebookInstanceName="research-notebook", InstanceType="ml.t3.medium",
                                RoleArn=role, Tags=[AI_TAG])
    return {"endpoint": "support-chat-llm", "endpoint_config": "support-chat-llm-v7-config",
            "model": "support-chat-llm-v7", "notebook": "research-notebook"}


def _agent(client: Any, role: str) -> dict[str, Any]:
    ba = client("bedrock-agent")
    kb = ba.create_knowledge_base(
        name="hr-policies", roleArn=role,
        knowledgeBaseConfiguration={"type": "VECTOR", "vectorKnowledgeBaseConfiguration": {
            "embeddingModelArn": f"arn:aws:bedrock:{REGION}::foundation-model/amazon.titan-embed-text-v2:0"}},
        storageConfiguration={"type": "OPENSEARCH_SERVERLESS", "opensearchServerlessConfiguration": {
            "collectionArn": f"arn:aws:aoss:{REGION}:{ACCOUNT}:collection/hrpolicies",
            "vectorIndexName": "hr-policies",
            "fieldMapping": {"vectorField": "embedding", "textField": "text", "metadataField": "metadata"}}},
    )["knowledgeBase"]
    agent = ba.create_agent(agentName="hr-assistant", agentResourceRoleArn=role,
                            foundationModel="anthropic.claude-3-haiku-20240307-v1:0",
                            instruction="Answer employees' HR questions from the HR policies knowledge base.")["agent"]
    return {"agent_id": agent["agentId"], "knowledge_base_id": kb["knowledgeBaseId"],
            "note": "agent aliases are not in moto (pause-agent acts on an alias)"}


def _rename_access_key(user: str, generated: str, wanted: str) -> None:
    """moto generates key ids; the seeded key must carry the id the scenario's CloudTrail records show."""
    from moto.iam.models import iam_backends

    for k in iam_backends[ACCOUNT]["global"].users[user].access_keys:
        if k.access_key_id == generated:
            k.access_key_id = wanted
