"""aidr.inventory: what counts as an AI resource, from config and from what CloudTrail taught it."""

from __future__ import annotations

import copy

import pytest
from aidr.config import AidrConfig
from aidr.detectors.context import DetectContext
from aidr.inventory import (
    agent_role_reasons,
    bucket_reasons,
    is_ai_bucket,
    is_ai_lambda,
    is_ai_role,
    is_ai_user,
    is_protected_bucket,
    known_ai_buckets,
    learn_from,
    passed_roles,
    principal_parts,
    s3_bucket,
    tag_reason,
)
from aidr.normalize.cloudtrail import ApiCall
from aidr.state import MemoryState

from tests.conftest import FIXTURES, load_json

ACCOUNT = "111122223333"


def _ctx(**config: object) -> DetectContext:
    return DetectContext(AidrConfig(**config), MemoryState())  # type: ignore[arg-type]


def _fixture_record(detector: str, case: str, index: int = 0, polarity: str = "positive") -> dict:
    return copy.deepcopy(load_json(FIXTURES / detector / polarity / f"{case}.json")["records"][index])


def _learn(ctx: DetectContext, *records: dict) -> None:
    for r in records:
        learn_from(ApiCall(r), ctx)


def test_protected_buckets_come_from_config_with_wildcards() -> None:
    ctx = _ctx(protected_data_buckets=["ml-training-data-prod", "kb-source-*"])
    assert is_protected_bucket("kb-source-hr", ctx) and is_ai_bucket("ml-training-data-prod", ctx)
    assert not is_ai_bucket("corp-web-assets", ctx) and not is_ai_bucket(None, ctx)
    assert bucket_reasons("kb-source-hr", ctx) == ["config:protected_data_buckets"]


def test_training_job_teaches_its_role_and_buckets() -> None:
    ctx = _ctx()
    _learn(ctx, _fixture_record("s3.training_data_tampering", "copy_restores_older_version_of_training_file"))
    assert bucket_reasons("churn-features-train", ctx) == ["sagemaker:CreateTrainingJob"]
    assert is_ai_bucket("churn-model-artifacts", ctx)  # outputDataConfig.s3OutputPath
    # The role is recognised by ARN with path, by assumed-role session ARN and by name in its account.
    assert is_ai_role("arn:aws:iam::111122223333:role/service-role/AmazonSageMaker-ExecutionRole-20250101T000000", ctx)
    assert set(known_ai_buckets(ctx)) == {"churn-features-train", "churn-model-artifacts"}


def test_learned_role_matches_sessions_and_names_but_not_other_accounts() -> None:
    ctx = _ctx()
    rec = _fixture_record("s3.training_data_tampering", "execution_role_writes_its_learned_bucket", 0, "negative")
    _learn(ctx, rec)
    assert is_ai_role("arn:aws:sts::111122223333:assumed-role/ranker-train/SageMaker", ctx)
    assert is_ai_role("ranker-train", ctx, account=ACCOUNT)
    assert not is_ai_role("ranker-train", ctx, account="444455556666")
    assert not is_ai_user("arn:aws:iam::111122223333:user/ranker-train", ctx)


def test_knowledge_base_source_and_action_group_lambda_are_learned() -> None:
    ctx = _ctx()
    _learn(ctx, _fixture_record("s3.training_data_tampering", "delete_in_learned_knowledge_base_bucket"),
           _fixture_record("bedrock.agent_tampering", "creator_adds_same_account_action_group", 1, "negative"))
    assert bucket_reasons("support-articles-kb", ctx) == ["bedrock:CreateDataSource"]
    assert is_ai_lambda("arn:aws:lambda:us-east-1:111122223333:function:invoice-lookup", ctx)
    assert not is_ai_lambda("arn:aws:lambda:us-east-1:111122223333:function:other", ctx)


def test_role_trusting_an_ai_service_is_an_ai_role() -> None:
    ctx = _ctx()
    create = _fixture_record("iam.ai_privilege_escalation", "sagemaker_full_access_on_execution_role", 0, "negative")
    _learn(ctx, create)
    assert is_ai_role("churn-train-exec", ctx, account=ACCOUNT)


def test_tags_mark_users_and_roles_only_when_configured() -> None:
    rec = _fixture_record("iam.ai_privilege_escalation", "access_key_for_ai_service_user")
    untagged = _ctx()
    _learn(untagged, rec)
    assert not is_ai_user("svc-rag-indexer", untagged, account=ACCOUNT)
    tagged = _ctx(ai_resource_tags={"workload": ["genai"]})
    _learn(tagged, rec)
    assert is_ai_user("arn:aws:iam::111122223333:user/svc-rag-indexer", tagged)


def test_invoking_bedrock_makes_the_caller_an_ai_principal() -> None:
    ctx = _ctx()
    rec = _fixture_record("iam.ai_privilege_escalation", "bedrock_full_access_to_user")
    rec.update(eventSource="bedrock.amazonaws.com", eventName="Converse",
               requestParameters={"modelId": "anthropic.claude-3-haiku-20240307-v1:0"})
    _learn(ctx, rec)
    assert is_ai_role("arn:aws:iam::111122223333:role/platform-admin", ctx)


def test_failed_calls_teach_nothing() -> None:
    ctx = _ctx()
    rec = _fixture_record("s3.training_data_tampering", "copy_restores_older_version_of_training_file")
    rec["errorCode"] = "AccessDeniedException"
    _learn(ctx, rec)
    assert not is_ai_bucket("churn-features-train", ctx)


def test_console_default_role_and_api_key_user_names() -> None:
    ctx = _ctx()
    assert is_ai_role("AmazonBedrockExecutionRoleForKnowledgeBase_abc12", ctx, account=ACCOUNT)
    assert is_ai_user("BedrockAPIKey-x7yz", ctx, account=ACCOUNT)
    assert not is_ai_role("web-frontend", ctx, account=ACCOUNT)


def test_passed_roles_reads_nested_role_fields() -> None:
    params = {"endpointConfig": {"sageMaker": {"executionRole": "arn:aws:iam::111122223333:role/mkt-exec"}},
              "roleArn": "arn:aws:iam::111122223333:role/svc/import", "other": "arn:aws:iam::111122223333:role/x"}
    assert {(a, n) for a, n, _ in passed_roles(params)} == {(ACCOUNT, "mkt-exec"), (ACCOUNT, "import")}


@pytest.mark.parametrize(
    ("arn", "parts"),
    [
        ("arn:aws:iam::111122223333:user/division/jdoe", ("user", ACCOUNT, "jdoe")),
        ("arn:aws-cn:sts::111122223333:assumed-role/r/s", ("role", ACCOUNT, "r")),
        ("arn:aws:iam::aws:policy/AdministratorAccess", None),
        ("not-an-arn", None),
        (None, None),
    ],
)
def test_principal_parts(arn: str | None, parts: tuple[str, str, str] | None) -> None:
    assert principal_parts(arn) == parts


def test_s3_locations_and_tags() -> None:
    assert s3_bucket("s3a://lake/raw/") == "lake"
    assert s3_bucket("https://lake.s3.amazonaws.com/x") is None
    cfg = AidrConfig(ai_resource_tags={"team": [], "workload": ["ml"]})
    assert tag_reason([{"key": "team", "value": "anything"}], cfg) == "tag:team=anything"
    assert tag_reason({"workload": "web"}, cfg) is None
    assert tag_reason([{"Key": "workload", "Value": "ml"}], cfg) == "tag:workload=ml"


def test_agent_execution_roles_are_learned_from_agents_and_runtimes() -> None:
    ctx = _ctx()
    _learn(ctx, _fixture_record("bedrock.agent_boundary_escape", "learned_agent_role_mints_access_key"))
    role = "arn:aws:sts::111122223333:assumed-role/support-assistant-exec/BedrockAgents-1"
    assert agent_role_reasons(role, ctx) == ["bedrock:CreateAgent"] and is_ai_role(role, ctx)
    runtime = {"eventSource": "bedrock-agentcore.amazonaws.com", "eventName": "CreateAgentRuntime",
               "recipientAccountId": ACCOUNT,
               "requestParameters": {"agentRuntimeName": "support_rt",
                                     "roleArn": "arn:aws:iam::111122223333:role/rt-exec"}}
    _learn(ctx, runtime)
    assert agent_role_reasons("rt-exec", ctx, account=ACCOUNT) == ["bedrock-agentcore:CreateAgentRuntime"]
    assert agent_role_reasons("arn:aws:iam::111122223333:role/AmazonBedrockAgentCoreSDKRuntime-x", ctx) == ["name"]
    assert not agent_role_reasons("arn:aws:iam::111122223333:role/orders-api", ctx)
    assert not agent_role_reasons("arn:aws:iam::111122223333:user/support-assistant-exec", ctx)


def test_tagging_marks_roles_users_and_buckets_with_ai_tags() -> None:
    ctx = _ctx(ai_resource_tags={"workload": ["genai"]})
    tag = [{"key": "workload", "value": "genai"}]
    _learn(ctx, {"eventSource": "iam.amazonaws.com", "eventName": "TagRole", "recipientAccountId": ACCOUNT,
                 "requestParameters": {"roleName": "rag-indexer", "tags": tag}},
           {"eventSource": "iam.amazonaws.com", "eventName": "TagUser", "recipientAccountId": ACCOUNT,
            "requestParameters": {"userName": "eval-bot", "tags": tag}},
           {"eventSource": "s3.amazonaws.com", "eventName": "PutBucketTagging", "recipientAccountId": ACCOUNT,
            "requestParameters": {"bucketName": "rag-corpus", "tagging": "",
                                  "Tagging": {"TagSet": {"Tag": {"Key": "workload", "Value": "genai"}}}}},
           {"eventSource": "s3.amazonaws.com", "eventName": "PutBucketTagging", "recipientAccountId": ACCOUNT,
            "requestParameters": {"bucketName": "web-assets", "Tagging": {"TagSet": {"Tag": [
                {"Key": "workload", "Value": "web"}, {"Key": "team", "Value": "growth"}]}}}})
    assert is_ai_role("rag-indexer", ctx, account=ACCOUNT) and is_ai_user("eval-bot", ctx, account=ACCOUNT)
    assert bucket_reasons("rag-corpus", ctx) == ["tag:workload=genai"]
    assert not is_ai_bucket("web-assets", ctx)
