"""GuardDuty finding detectors: ownership, samples, AI links, re-ranking, merging updates of one finding."""

from __future__ import annotations

from typing import Any

import pytest
from aidr.config import AidrConfig
from aidr.detectors.guardduty.ai_context import ai_link
from aidr.detectors.guardduty.triage import principal_arn, severity_of_score
from aidr.detectors.guardduty.types import owner
from aidr.normalize.guardduty import GuardDutyFinding

from tests.unit.detectors.audit.tamper_records import Live
from tests.unit.detectors.guardduty.gd_records import (
    ACCOUNT,
    access_key,
    api_call,
    boto3_form,
    eventbridge,
    finding,
)

MODEL_ABUSE = "guardduty.ai_model_abuse"
INJECTION = "guardduty.ai_prompt_injection"
LOGGING = "guardduty.bedrock_logging_disabled"
CREDENTIALS = "guardduty.credential_compromise"
THREAT = "guardduty.ai_resource_threat"
ALL = (MODEL_ABUSE, INJECTION, LOGGING, CREDENTIALS, THREAT)
COST = "Impact:IAMUser/CostHarvesting"
EXFIL = "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS"


def cost(name: str = "c1", *, org: str = "Amazon.com", user: str = "svc-ml-ci", user_type: str = "IAMUser",
         **kw: Any) -> dict[str, Any]:
    return finding(COST, name, resource={"resourceType": "AccessKey", "accessKeyDetails": access_key(user, user_type),
                                         "modelDetails": [{"modelId": "anthropic.claude-3-opus-20240229-v1:0"}]},
                   action=api_call("InvokeModel", "bedrock.amazonaws.com", org=org), **kw)


@pytest.mark.parametrize(
    ("ftype", "category"),
    [(COST, "model-abuse"), ("Impact:IAMUser/PromptInjection.Direct", "prompt-injection"),
     ("DefenseEvasion:IAMUser/BedrockLoggingDisabled", "logging-tampering"), (EXFIL, "credential-compromise"),
     ("Persistence:IAMUser/AnomalousBehavior", "credential-compromise"),
     ("UnauthorizedAccess:IAMUser/ResourceCredentialExfiltration.OutsideAWS", "credential-compromise"),
     ("UnauthorizedAccess:IAMUser/ResourceCredentialExfiltration.InsideAWS", "credential-compromise"),
     ("AttackSequence:S3/CompromisedData", "credential-compromise"), ("Recon:EC2/PortProbeUnprotectedPort",
                                                                      "ai-resource-threat")],
)
def test_each_type_has_exactly_one_owner(ftype: str, category: str) -> None:
    assert owner(ftype) == category
    f = finding(ftype, "own", severity=5.0, resource={"resourceType": "AccessKey", "accessKeyDetails": access_key(
        "BedrockAPIKey-x1y2")})  # a direct AI link, so every family reports
    found = Live(*ALL).send(eventbridge(f))
    assert [x.category for x in found] == [category]


def test_samples_and_archived_findings_are_dropped_and_counted_once() -> None:
    live = Live(*ALL)
    assert not live.send(eventbridge(cost("s1", sample=True)), boto3_form(cost("s2", sample=True)),
                         eventbridge(finding("Recon:EC2/PortProbeUnprotectedPort", "s3", sample=True)),
                         eventbridge(cost("a1", archived=True)))
    assert live.counters["dropped:guardduty sample finding"] == 3
    assert live.counters["dropped:guardduty archived finding"] == 1


def test_updates_of_one_finding_merge_on_its_id() -> None:
    live = Live(MODEL_ABUSE)
    first = live.one(eventbridge(cost("u1")))
    later = live.one(eventbridge(cost("u1", count=5, updated="2026-03-02T11:20:41.207Z")))
    assert first is not None and later is not None
    assert first.id == later.id and first.event_ids == later.event_ids == [finding("x", "u1")["id"]]
    assert (first.severity, later.severity) == ("low", "medium")  # repeated
    merged = first.merge(later)
    assert merged.severity == "medium" and merged.evidence["guardduty_count"] == 5


@pytest.mark.parametrize(
    ("kw", "severity", "reasons"),
    [
        ({}, "low", []),
        ({"org": "Example Hosting Ltd"}, "medium", ["called from outside AWS"]),
        ({"user": "Root", "user_type": "Root"}, "medium", ["root user"]),
        ({"user": "ml-admin"}, "medium", ["administrator-looking identity"]),
        ({"count": 3, "org": "Example Hosting Ltd"}, "high", ["called from outside AWS", "repeated"]),
    ],
)
def test_ai_protection_re_ranking(kw: dict[str, Any], severity: str, reasons: list[str]) -> None:
    found = Live(MODEL_ABUSE).one(eventbridge(cost(**kw)))
    assert found is not None and found.severity == severity
    assert [r.split(" (")[0].removeprefix("+ ") for r in found.evidence["context"]] == reasons
    assert found.playbook == "revoke-principal"


def test_trusted_principals_are_lowered() -> None:
    cfg = AidrConfig(trusted_principals=[f"arn:aws:iam::{ACCOUNT}:user/svc-ml-ci"])
    found = Live(MODEL_ABUSE, config=cfg).one(eventbridge(cost(org="Example Hosting Ltd")))
    assert found is not None and found.severity == "low"


def test_distinct_findings_on_one_principal_count_as_repeats_in_any_order() -> None:
    live = Live(MODEL_ABUSE)
    later = cost("r2", updated="2026-03-02T15:20:41.207Z")
    assert live.one(eventbridge(later)).severity == "low"  # type: ignore[union-attr]
    assert live.one(eventbridge(cost("r1"))).severity == "medium"  # type: ignore[union-attr]
    far = cost("r3", updated="2026-03-05T15:20:41.207Z")
    assert live.one(eventbridge(far)).severity == "low"  # type: ignore[union-attr]


def test_logging_disabled_is_at_least_medium_with_restore_playbook() -> None:
    f = finding("DefenseEvasion:IAMUser/BedrockLoggingDisabled", "ld",
                action=api_call("DeleteModelInvocationLoggingConfiguration", "bedrock.amazonaws.com",
                                org="Amazon.com"))
    found = Live(LOGGING).one(eventbridge(f))
    assert found is not None and found.severity == "medium" and found.playbook == "restore-logging"


def test_logging_disabled_is_not_described_as_ai_protection() -> None:
    f = finding("DefenseEvasion:IAMUser/BedrockLoggingDisabled", "ld2",
                action=api_call("DeleteModelInvocationLoggingConfiguration", "bedrock.amazonaws.com"))
    found = Live(LOGGING).one(eventbridge(f))
    assert found is not None and "AI Protection" not in found.description
    assert "AI Protection" in Live(MODEL_ABUSE).one(eventbridge(cost("ap"))).description  # type: ignore[union-attr]


def test_prompt_injection_not_blocked_is_raised() -> None:
    def injection(action: str) -> dict[str, Any]:
        return finding("Impact:IAMUser/PromptInjection.Direct", f"pi-{action}", resource={
            "resourceType": "AccessKey", "accessKeyDetails": access_key("chatbot-role", "AssumedRole"),
            "bedrockGuardrailDetails": {"guardrails": [{"arn": "arn:aws:bedrock:us-east-1:111122223333:guardrail/g1",
                                                        "version": "1"}],
                                        "contentPolicyFilters": [{"type": "PROMPT_ATTACK", "confidence": "HIGH",
                                                                  "action": action}]}},
            action=api_call("Converse", "bedrock.amazonaws.com", org="Amazon.com"))

    blocked, let_through = Live(INJECTION).one(eventbridge(injection("BLOCKED"))), Live(INJECTION).one(
        eventbridge(injection("NONE")))
    assert blocked is not None and let_through is not None
    assert (blocked.severity, let_through.severity) == ("low", "medium")
    assert {r.type for r in blocked.resources} == {"AWS::IAM::AccessKey", "AWS::Bedrock::Guardrail"}


# --- AI links and credential compromise
def exfil(service: str = "bedrock.amazonaws.com", user: str = "llm-gateway-role", **kw: Any) -> dict[str, Any]:
    return finding(EXFIL, f"ex-{service}-{user}", severity=8.0,
                   resource={"resourceType": "AccessKey", "accessKeyDetails": access_key(user, "AssumedRole")},
                   action=api_call("InvokeModel" if "bedrock" in service else "DescribeInstances", service), **kw)


def test_credential_findings_need_an_ai_link() -> None:
    assert not Live(CREDENTIALS).send(eventbridge(exfil("ec2.amazonaws.com", "web-frontend-role")))
    direct = Live(CREDENTIALS).one(eventbridge(exfil()))
    assert direct is not None and direct.severity == "critical" and direct.playbook == "revoke-principal"
    name_only = Live(CREDENTIALS).one(eventbridge(exfil("ec2.amazonaws.com", "AmazonSageMaker-ExecutionRole-1")))
    assert name_only is not None and name_only.severity == "high"  # +outside, no direct link


def test_resource_credential_exfiltration_is_a_credential_finding() -> None:
    for where in ("OutsideAWS", "InsideAWS"):
        f = finding(f"UnauthorizedAccess:IAMUser/ResourceCredentialExfiltration.{where}", f"rce-{where}", severity=8.0,
                    resource={"resourceType": "AccessKey",
                              "accessKeyDetails": access_key("rag-ingest-lambda-role", "AssumedRole")},
                    action=api_call("Retrieve", "bedrock.amazonaws.com"))
        found = Live(*ALL).send(eventbridge(f))
        assert [x.detector for x in found] == [CREDENTIALS]


def test_attack_sequence_links_by_indicators_resources_or_description() -> None:
    def seq(name: str, **sequence: Any) -> dict[str, Any]:
        return finding("AttackSequence:IAM/CompromisedCredentials", name, severity=9.0,
                       resource={"resourceType": "AttackSequence"}, detection={"sequence": {"uid": name, **sequence}},
                       description=sequence.pop("text", "A sequence of actions was observed."))

    by_indicator = seq("i", sequenceIndicators=[{"key": "HIGH_RISK_API", "values": ["bedrock:InvokeModel"]}])
    by_resource = seq("r", resources=[{"uid": "arn:aws:sagemaker:us-east-1:111122223333:endpoint/churn",
                                       "resourceType": "SAGEMAKER_ENDPOINT", "name": "churn"}])
    unrelated = seq("u", sequenceIndicators=[{"key": "HIGH_RISK_API", "values": ["iam:CreateRole"]}])
    live = Live(CREDENTIALS)
    assert len(live.send(eventbridge(by_indicator), eventbridge(by_resource))) == 2
    assert not live.send(eventbridge(unrelated))
    text = finding("AttackSequence:IAM/CompromisedCredentials", "t", severity=9.0,
                   resource={"resourceType": "AttackSequence"},
                   description="  - 2 sensitive APIs called: bedrock:PutFoundationModelEntitlement, iam:CreateUser")
    assert live.one(eventbridge(text)) is not None


@pytest.mark.parametrize(
    ("resource", "config", "direct"),
    [
        ({"s3BucketDetails": [{"name": "acme-training-data"}]}, {"protected_data_buckets": ["acme-training-data"]},
         True),
        ({"instanceDetails": {"tags": [{"key": "project", "value": "genai"}]}}, {"ai_resource_tags": {"project": []}},
         False),
        ({"instanceDetails": {"tags": [{"key": "project", "value": "web"}]}},
         {"ai_resource_tags": {"project": ["genai"]}}, None),
        ({"lambdaDetails": {"functionName": "bedrock-agent-action-orders"}}, {}, False),
        ({"accessKeyDetails": access_key("BedrockAPIKey-ab12")}, {}, True),
        ({"instanceDetails": {"iamInstanceProfile": {"arn": "arn:aws:iam::1:instance-profile/buildserver"}}}, {},
         None),
    ],
)
def test_ai_link(resource: dict[str, Any], config: dict[str, Any], direct: bool | None) -> None:
    link = ai_link(GuardDutyFinding({"resource": resource}), AidrConfig(**config))
    assert link.linked is (direct is not None)
    if direct is not None:
        assert link.direct is direct


def test_ai_resource_threat_ranks_by_link_and_picks_a_playbook() -> None:
    bucket = finding("Discovery:S3/MaliciousIPCaller", "b", severity=5.0, resource={
        "resourceType": "S3Bucket", "s3BucketDetails": [{"name": "acme-training-data"}]})
    found = Live(THREAT, config=AidrConfig(protected_data_buckets=["acme-training-data"])).one(eventbridge(bucket))
    assert found is not None and found.severity == "medium" and found.playbook == "quarantine-bucket"
    named = finding("Backdoor:EC2/C&CActivity.B!DNS", "n", severity=8.0, resource={
        "resourceType": "Instance", "instanceDetails": {
            "instanceId": "i-1", "iamInstanceProfile": {"arn": "arn:aws:iam::1:instance-profile/sagemaker-batch"}}})
    found = Live(THREAT).one(eventbridge(named))
    assert found is not None and found.severity == "medium" and found.playbook is None
    assert Live(THREAT).send(eventbridge(finding("Backdoor:EC2/C&CActivity.B!DNS", "x", severity=8.0,
                                                 resource={"resourceType": "Instance"}))) == []


def test_helpers() -> None:
    assert [severity_of_score(s) for s in (0, 3.9, 4, 6.9, 7, 8.9, 9, 10)] == [
        "low", "low", "medium", "medium", "high", "high", "critical", "critical"]
    assert principal_arn(GuardDutyFinding(cost(user="r", user_type="AssumedRole"))) == f"arn:aws:iam::{ACCOUNT}:role/r"
    assert principal_arn(GuardDutyFinding(cost(user="Root", user_type="Root"))) == f"arn:aws:iam::{ACCOUNT}:root"
    assert principal_arn(GuardDutyFinding(cost(user="x", user_type="FederatedUser"))) is None
