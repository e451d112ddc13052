"""Seeded emulated accounts for check tests: ``hardened`` (every check should PASS) and ``more_gaps`` (FAILs for
the checks the demo account does not fail). Canned answers stand in where moto 5.2.5 lacks an API or a field
(guardrails, agent guardrail configuration, data sources, prompts, model network isolation, Security Hub
standards, Bedrock API keys)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from aidr_cli.assess_demo import ACCOUNT, STACK, STACK_TEMPLATE, answer_guardrails, guardrail

R = "us-east-1"
T = datetime(2026, 1, 5, tzinfo=UTC)
SOURCE_SCOPED_TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "bedrock.amazonaws.com"}, "Action": "sts:AssumeRole",
    "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}}]}
SAGEMAKER_TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
GOOD_GUARDRAIL = {
    "contentPolicy": {"filters": [{"type": "PROMPT_ATTACK", "inputStrength": "HIGH", "outputStrength": "NONE"}]},
    "sensitiveInformationPolicy": {"piiEntities": [{"type": "EMAIL", "action": "ANONYMIZE"}], "regexes": []},
    "contextualGroundingPolicy": {"filters": [{"type": "GROUNDING", "threshold": 0.8},
                                              {"type": "RELEVANCE", "threshold": 0.7}]},
}
INSTRUCTION = "Help customers with questions about their orders."
AI_STANDARD = "ai-security-best-practices/v/1.0.0"
DATA_BUCKETS = ("good-training-data", "good-kb-docs")
OTHER_BUCKETS = ("good-invocation-logs", "good-model-artifacts")


def _bucket(s3: Any, name: str, key: str, lock: bool) -> None:
    s3.create_bucket(Bucket=name, **({"ObjectLockEnabledForBucket": True} if lock else {}))
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key}}]})
    s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    s3.put_bucket_policy(Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}))


def _role(iam: Any, name: str, trust: dict[str, Any], action: str, resource: str) -> str:
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    iam.put_role_policy(RoleName=name, PolicyName="scoped", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}]}))
    return str(arn)


def _agent_answer(fake: Any, created: dict[str, dict[str, Any]], guardrail_cfg: dict[str, Any] | None) -> None:
    def get(params: dict[str, Any], region: str) -> dict[str, Any]:
        a = created[params["agentId"]]
        agent = {k: a[k] for k in ("agentId", "agentName", "agentArn", "agentStatus", "agentResourceRoleArn")}
        agent.update(agentVersion="DRAFT", createdAt=T, updatedAt=T, idleSessionTTLInSeconds=600)
        if a.get("customerEncryptionKeyArn"):
            agent["customerEncryptionKeyArn"] = a["customerEncryptionKeyArn"]
        if guardrail_cfg:
            agent["guardrailConfiguration"] = guardrail_cfg
        return {"agent": agent}
    fake.answer("bedrock-agent", "GetAgent", get)


def hardened(session: Any, fake: Any) -> None:
    c = session.client
    kms = c("kms", R)
    key = kms.create_key(Description="ai data")["KeyMetadata"]["Arn"]
    kms.enable_key_rotation(KeyId=key)
    c("cloudwatch", R).put_metric_data(Namespace="AWS/Bedrock", MetricData=[{"MetricName": "Invocations", "Value": 1}])
    logs = c("logs", R)
    logs.create_log_group(logGroupName="/good/bedrock", kmsKeyId=key)
    logs.put_retention_policy(logGroupName="/good/bedrock", retentionInDays=365)
    s3 = c("s3", R)
    for b in DATA_BUCKETS:
        _bucket(s3, b, key, lock=True)
    for b in OTHER_BUCKETS:
        _bucket(s3, b, key, lock=False)
    c("s3control", R).put_public_access_block(AccountId=ACCOUNT, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    iam = c("iam")
    log_role = _role(iam, "good-logging", SOURCE_SCOPED_TRUST, "logs:PutLogEvents", "*")
    c("bedrock", R).put_model_invocation_logging_configuration(loggingConfig={
        "cloudWatchConfig": {"logGroupName": "/good/bedrock", "roleArn": log_role},
        "s3Config": {"bucketName": "good-invocation-logs"}, "textDataDeliveryEnabled": True})
    answer_guardrails(fake, {R: [guardrail("gr-good", R, kmsKeyArn=key, **GOOD_GUARDRAIL)]})
    # Agents: one role each, scoped trust and policy, a published guardrail version, a customer managed key.
    ba = c("bedrock-agent", R)
    created = {}
    for name in ("support", "billing"):
        role = _role(iam, f"agent-{name}", SOURCE_SCOPED_TRUST, "bedrock:InvokeModel",
                     f"arn:aws:bedrock:{R}::foundation-model/amazon.nova-lite-v1:0")
        a = ba.create_agent(agentName=name, agentResourceRoleArn=role, customerEncryptionKeyArn=key,
                            foundationModel="amazon.nova-lite-v1:0", instruction=INSTRUCTION)["agent"]
        created[a["agentId"]] = a
    _agent_answer(fake, created, {"guardrailIdentifier": "gr-good", "guardrailVersion": "1"})
    kb = ba.create_knowledge_base(
        name="docs", roleArn=f"arn:aws:iam::{ACCOUNT}:role/agent-support",
        knowledgeBaseConfiguration={"type": "VECTOR", "vectorKnowledgeBaseConfiguration": {
            "embeddingModelArn": f"arn:aws:bedrock:{R}::foundation-model/amazon.titan-embed-text-v2:0"}},
        storageConfiguration={"type": "OPENSEARCH_SERVERLESS", "opensearchServerlessConfiguration": {
            "collectionArn": f"arn:aws:aoss:{R}:{ACCOUNT}:collection/docs", "vectorIndexName": "docs",
            "fieldMapping": {"vectorField": "v", "textField": "t", "metadataField": "m"}}})["knowledgeBase"]
    ds = {"knowledgeBaseId": kb["knowledgeBaseId"], "dataSourceId": "DSGOOD0001", "name": "docs", "status":
          "AVAILABLE", "createdAt": T, "updatedAt": T, "serverSideEncryptionConfiguration": {"kmsKeyArn": key},
          "dataSourceConfiguration": {"type": "S3", "s3Configuration": {"bucketArn": "arn:aws:s3:::good-kb-docs"}}}
    fake.answer("bedrock-agent", "ListDataSources", {"dataSourceSummaries": [
        {k: ds[k] for k in ("knowledgeBaseId", "dataSourceId", "name", "status", "updatedAt")}]})
    fake.answer("bedrock-agent", "GetDataSource", {"dataSource": ds})
    prompt = {"name": "triage", "id": "PROMPT0001", "arn": f"arn:aws:bedrock:{R}:{ACCOUNT}:prompt/PROMPT0001",
              "version": "DRAFT", "createdAt": T, "updatedAt": T}
    fake.answer("bedrock-agent", "ListPrompts", {"promptSummaries": [prompt]})
    fake.answer("bedrock-agent", "GetPrompt", dict(prompt, customerEncryptionKeyArn=key))
    fake.answer("iam", "ListServiceSpecificCredentials", {"ServiceSpecificCredentials": []})
    c("bedrock", R).create_model_customization_job(
        jobName="tune-1", customModelName="tuned-1", roleArn=log_role, customModelKmsKeyId=key,
        baseModelIdentifier="amazon.titan-text-express-v1", trainingDataConfig={"s3Uri": "s3://good-training-data/t/"},
        outputDataConfig={"s3Uri": "s3://good-model-artifacts/tuned/"}, hyperParameters={})
    # moto invents a key ARN for custom models: answer with the real key.
    fake.answer("bedrock", "GetCustomModel", lambda p, r: {
        "modelArn": p["modelIdentifier"], "modelName": "tuned-1", "creationTime": T, "modelKmsKeyArn": key,
        "trainingDataConfig": {"s3Uri": "s3://good-training-data/t/"},
        "outputDataConfig": {"s3Uri": "s3://good-model-artifacts/tuned/"}})
    _hardened_sagemaker(session, fake, key)
    _hardened_detection(session, fake, key)


def _hardened_sagemaker(session: Any, fake: Any, key: str) -> None:
    c = session.client
    iam = c("iam")
    role = _role(iam, "sm-exec", SAGEMAKER_TRUST, "s3:GetObject", "arn:aws:s3:::good-training-data/*")
    ec2 = c("ec2", R)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    sg = ec2.create_security_group(GroupName="ml", Description="ml", VpcId=vpc)["GroupId"]
    endpoint_policy = json.dumps({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "bedrock:InvokeModel",
                                                 "Resource": "*",
                                                 "Condition": {"StringEquals": {"aws:PrincipalAccount": ACCOUNT}}}]})
    for svc in ("bedrock-runtime", "bedrock-agent-runtime", "sagemaker.api", "sagemaker.runtime"):
        ec2.create_vpc_endpoint(VpcId=vpc, ServiceName=f"com.amazonaws.{R}.{svc}", VpcEndpointType="Interface",
                                SubnetIds=[subnet], PolicyDocument=endpoint_policy)
    sm = c("sagemaker", R)
    sm.create_notebook_instance(NotebookInstanceName="nb", InstanceType="ml.t3.medium", RoleArn=role, KmsKeyId=key,
                                SubnetId=subnet, SecurityGroupIds=[sg], DirectInternetAccess="Disabled",
                                RootAccess="Disabled")
    vpc_cfg = {"SecurityGroupIds": [sg], "Subnets": [subnet]}
    sm.create_training_job(
        TrainingJobName="train-1", RoleArn=role, VpcConfig=vpc_cfg, EnableNetworkIsolation=True,
        EnableInterContainerTrafficEncryption=True,
        AlgorithmSpecification={"TrainingImage": "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.3",
                                "TrainingInputMode": "File"},
        InputDataConfig=[{"ChannelName": "train", "DataSource": {"S3DataSource": {
            "S3DataType": "S3Prefix", "S3Uri": "s3://good-training-data/train/"}}}],
        OutputDataConfig={"S3OutputPath": "s3://good-model-artifacts/", "KmsKeyId": key},
        ResourceConfig={"InstanceType": "ml.g5.xlarge", "InstanceCount": 2, "VolumeSizeInGB": 50,
                        "VolumeKmsKeyId": key},
        StoppingCondition={"MaxRuntimeInSeconds": 3600})
    sm.create_model(ModelName="m1", ExecutionRoleArn=role, PrimaryContainer={
        "Image": "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.3"}, VpcConfig=vpc_cfg)
    fake.answer("sagemaker", "DescribeModel", lambda p, r: {
        "ModelName": p["ModelName"], "CreationTime": T, "ExecutionRoleArn": role, "EnableNetworkIsolation": True,
        "ModelArn": f"arn:aws:sagemaker:{r}:{ACCOUNT}:model/{p['ModelName'].lower()}", "VpcConfig": vpc_cfg})
    sm.create_endpoint_config(EndpointConfigName="ec1", KmsKeyId=key, ProductionVariants=[
        {"VariantName": "main", "ModelName": "m1", "InitialInstanceCount": 2, "InstanceType": "ml.m5.large"}],
        DataCaptureConfig={"EnableCapture": True, "InitialSamplingPercentage": 10,
                           "DestinationS3Uri": "s3://good-model-artifacts/capture/",
                           "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}]})
    sm.create_domain(DomainName="studio", AuthMode="IAM", DefaultUserSettings={"ExecutionRole": role},
                     SubnetIds=[subnet], VpcId=vpc, AppNetworkAccessType="VpcOnly", KmsKeyId=key)


def _hardened_detection(session: Any, fake: Any, key: str) -> None:
    c = session.client
    c("guardduty", R).create_detector(Enable=True, Features=[{"Name": "AI_PROTECTION", "Status": "ENABLED"},
                                                              {"Name": "S3_DATA_EVENTS", "Status": "ENABLED"}])
    c("securityhub", R).enable_security_hub(EnableDefaultStandards=False)
    fake.answer("securityhub", "GetEnabledStandards", {"StandardsSubscriptions": [{
        "StandardsSubscriptionArn": f"arn:aws:securityhub:{R}:{ACCOUNT}:subscription/{AI_STANDARD}",
        "StandardsArn": f"arn:aws:securityhub:{R}::standards/{AI_STANDARD}",
        "StandardsInput": {}, "StandardsStatus": "READY"}]})
    c("s3", R).create_bucket(Bucket="good-trail")
    ct = c("cloudtrail", R)
    ct.create_trail(Name="org", S3BucketName="good-trail", IsMultiRegionTrail=True, KmsKeyId=key,
                    EnableLogFileValidation=True)
    ct.put_event_selectors(TrailName="org", AdvancedEventSelectors=[
        {"Name": "management", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]},
        {"Name": "bedrock", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Data"]},
                                               {"Field": "resources.type", "Equals": ["AWS::Bedrock::AgentAlias",
                                                                                      "AWS::Bedrock::KnowledgeBase"]}]},
        {"Name": "s3", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Data"]},
                                          {"Field": "resources.type", "Equals": ["AWS::S3::Object"]}]}])
    ct.start_logging(Name="org")
    c("budgets", R).create_budget(AccountId=ACCOUNT, Budget={
        "BudgetName": "bedrock-monthly", "BudgetLimit": {"Amount": "500", "Unit": "USD"}, "TimeUnit": "MONTHLY",
        "BudgetType": "COST", "CostFilters": {"Service": ["Amazon Bedrock"]}}, NotificationsWithSubscribers=[{
            "Notification": {"NotificationType": "ACTUAL", "ComparisonOperator": "GREATER_THAN", "Threshold": 80},
            "Subscribers": [{"SubscriptionType": "EMAIL", "Address": "ai-ops@example.com"}]}])
    c("cloudwatch", R).put_metric_alarm(AlarmName="bedrock-invocations", Namespace="AWS/Bedrock",
                                        MetricName="Invocations", Statistic="Sum", Period=300, EvaluationPeriods=1,
                                        Threshold=1000, ComparisonOperator="GreaterThanThreshold")
    c("cloudformation", R).create_stack(StackName=STACK, TemplateBody=json.dumps(STACK_TEMPLATE), Parameters=[
        {"ParameterKey": "MaturityPhase", "ParameterValue": "advanced"},
        {"ParameterKey": "ResponseMode", "ParameterValue": "approve"},
        {"ParameterKey": "EnableSecurityHubExport", "ParameterValue": "true"}])
    ev = c("events", R)
    ev.create_event_bus(Name="aidr-bus")
    ev.put_rule(Name=f"{STACK}-BedrockApiCallRule-1", EventPattern=json.dumps({"source": ["aws.bedrock"]}))
    ev.put_rule(Name=f"{STACK}-FindingRule-2", EventBusName="aidr-bus", EventPattern=json.dumps({"source": ["aidr"]}))


# Checks the demo account does not fail, each failed here.
MORE_GAPS = frozenset({
    "agents.guardrail_versioned", "aidr.deployed", "bedrock.custom_model_kms", "bedrock.customization_job_kms",
    "bedrock.invocation_logging_enabled", "bedrock.prompt_kms", "cloudtrail.log_file_validation",
    "cloudtrail.trail_encrypted", "guardduty.enabled", "guardrails.present",
    "iam.sagemaker_execution_role_privileges", "kms.ai_key_rotation", "network.bedrock_endpoint_policy",
    "s3.ai_bucket_not_public", "sagemaker.domain_kms", "sagemaker.domain_vpc_only", "sagemaker.endpoint_config_kms",
    "sagemaker.endpoint_data_capture", "sagemaker.endpoint_redundancy",
    "sagemaker.training_job_inter_container_encryption",
})
PUBLIC_BUCKET = "shared-training-data"


def more_gaps(session: Any, fake: Any) -> None:
    c = session.client
    c("cloudwatch", R).put_metric_data(Namespace="AWS/Bedrock", MetricData=[{"MetricName": "Invocations", "Value": 1}])
    key = c("kms", R).create_key(Description="no rotation")["KeyMetadata"]["Arn"]
    iam = c("iam")
    admin = _role(iam, "sm-admin", SAGEMAKER_TRUST, "*", "*")
    agent_role = _role(iam, "agent-draft", SOURCE_SCOPED_TRUST, "bedrock:InvokeModel", "*")
    fake.answer("bedrock", "ListGuardrails", {"guardrails": []})
    fake.answer("iam", "ListServiceSpecificCredentials", {"ServiceSpecificCredentials": []})
    a = c("bedrock-agent", R).create_agent(agentName="draft-user", agentResourceRoleArn=agent_role,
                                           foundationModel="amazon.nova-lite-v1:0",
                                           instruction=INSTRUCTION)["agent"]
    _agent_answer(fake, {a["agentId"]: a}, {"guardrailIdentifier": "gr-x", "guardrailVersion": "DRAFT"})
    c("bedrock", R).create_model_customization_job(
        jobName="tune-x", customModelName="tuned-x", roleArn=agent_role,
        baseModelIdentifier="amazon.titan-text-express-v1",
        trainingDataConfig={"s3Uri": "s3://gap-training/t/"}, outputDataConfig={"s3Uri": "s3://gap-artifacts/x/"},
        hyperParameters={})
    fake.answer("bedrock", "GetCustomModel", lambda p, r: {"modelArn": p["modelIdentifier"], "modelName": "tuned-x",
                                                          "creationTime": T})
    fake.answer("bedrock", "GetModelCustomizationJob", lambda p, r: {
        "jobArn": f"arn:aws:bedrock:{r}:{ACCOUNT}:model-customization-job/{p['jobIdentifier']}",
        "jobName": p["jobIdentifier"], "outputModelName": "tuned-x", "roleArn": agent_role, "creationTime": T,
        "baseModelArn": f"arn:aws:bedrock:{r}::foundation-model/amazon.titan-text-express-v1",
        "trainingDataConfig": {"s3Uri": "s3://gap-training/t/"}, "validationDataConfig": {"validators": []},
        "outputDataConfig": {"s3Uri": "s3://gap-artifacts/x/"}})
    prompt = {"name": "p", "id": "PROMPTGAP1", "arn": f"arn:aws:bedrock:{R}:{ACCOUNT}:prompt/PROMPTGAP1",
              "version": "DRAFT", "createdAt": T, "updatedAt": T}
    fake.answer("bedrock-agent", "ListPrompts", {"promptSummaries": [prompt]})
    fake.answer("bedrock-agent", "GetPrompt", prompt)
    s3 = c("s3", R)
    s3.create_bucket(Bucket="gap-trail")
    s3.create_bucket(Bucket=PUBLIC_BUCKET)
    s3.put_bucket_policy(Bucket=PUBLIC_BUCKET, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{PUBLIC_BUCKET}/*"}]}))
    ct = c("cloudtrail", R)
    ct.create_trail(Name="plain", S3BucketName="gap-trail", IsMultiRegionTrail=True)
    ct.put_event_selectors(TrailName="plain", EventSelectors=[{"ReadWriteType": "All",
                                                              "IncludeManagementEvents": True}])
    ct.start_logging(Name="plain")
    ec2 = c("ec2", R)
    vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.1.1.0/24")["Subnet"]["SubnetId"]
    ec2.create_vpc_endpoint(VpcId=vpc, ServiceName=f"com.amazonaws.{R}.bedrock-runtime", VpcEndpointType="Interface",
                            SubnetIds=[subnet])
    sm = c("sagemaker", R)
    sm.create_notebook_instance(NotebookInstanceName="nb-admin", InstanceType="ml.t3.medium", RoleArn=admin,
                                KmsKeyId=key, DirectInternetAccess="Disabled", RootAccess="Disabled")
    sm.create_training_job(
        TrainingJobName="multi", RoleArn=admin,
        AlgorithmSpecification={"TrainingImage": "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.3",
                                "TrainingInputMode": "File"},
        OutputDataConfig={"S3OutputPath": "s3://gap-artifacts/"},
        ResourceConfig={"InstanceType": "ml.g5.xlarge", "InstanceCount": 2, "VolumeSizeInGB": 50},
        StoppingCondition={"MaxRuntimeInSeconds": 3600})
    sm.create_model(ModelName="m", ExecutionRoleArn=admin, PrimaryContainer={
        "Image": "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.3"})
    sm.create_endpoint_config(EndpointConfigName="ec", ProductionVariants=[
        {"VariantName": "main", "ModelName": "m", "InitialInstanceCount": 1, "InstanceType": "ml.m5.large"}])
    sm.create_domain(DomainName="open", AuthMode="IAM", DefaultUserSettings={"ExecutionRole": admin},
                     SubnetIds=[subnet], VpcId=vpc, AppNetworkAccessType="PublicInternetOnly")
