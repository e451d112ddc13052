"""The invocation-log pipeline's wiring (issue 3): subscription, S3-only path, offload bucket, DLQ, permissions.

The forwarder's library (aidr.logs) reads its settings from the environment the template gives it, and puts
only what InvocationLogRule routes to the invocation detectors.
"""

from __future__ import annotations

from typing import Any

from aidr.logs.run import ENV_DLQ_URL, ENV_OFFLOAD_BUCKET
from aidr.normalize.envelope import AIDR_SOURCE, INVOCATION_LOG

from tests.template.cfn import functions, props, ref

FORWARDER = "ForwardInvocationLogsFunction"


def _res(template: dict[str, Any], lid: str) -> dict[str, Any]:
    return template["Resources"][lid]


def _statements(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for pol in props(_res(template, FORWARDER))["Policies"]:
        branches = pol["Fn::If"][1:] if isinstance(pol, dict) and "Fn::If" in pol else [pol]
        for b in branches:
            if isinstance(b, dict) and "Statement" in b:
                out.update({s["Sid"]: s for s in b["Statement"]})
    return out


def test_forwarder_gets_its_bucket_and_queue_from_the_environment(template: dict[str, Any]) -> None:
    env = functions(template)[FORWARDER]["Environment"]["Variables"]
    assert ref(env[ENV_OFFLOAD_BUCKET]) == "InvocationLogOffloadBucket"
    assert ref(env[ENV_DLQ_URL]) == "ForwardDLQ"


def test_subscription_is_optional_and_invokes_only_from_that_log_group(template: dict[str, Any]) -> None:
    cond = template["Conditions"]["SubscribeToInvocationLogs"]["Fn::And"]
    assert {"Fn::Equals": [{"Ref": "CreateInvocationLogSubscription"}, "true"]} in cond
    sub, perm = _res(template, "InvocationLogSubscription"), _res(template, "InvocationLogSubscriptionPermission")
    assert sub["Type"] == "AWS::Logs::SubscriptionFilter" and sub["Condition"] == perm["Condition"] == \
        "SubscribeToInvocationLogs"
    assert sub["DependsOn"] == "InvocationLogSubscriptionPermission"  # CloudWatch Logs tests the invoke first
    assert ref(props(sub)["LogGroupName"]) == "InvocationLogGroupName"
    assert ref(props(sub)["DestinationArn"]) == ref(props(perm)["FunctionName"]) == FORWARDER
    p = props(perm)
    assert p["Principal"] == "logs.amazonaws.com" and ref(p["SourceAccount"]) == "AWS::AccountId"
    assert p["SourceArn"]["Fn::Sub"].endswith(":log-group:${InvocationLogGroupName}:*")
    assert template["Parameters"]["CreateInvocationLogSubscription"]["Default"] == "false"


def test_s3_only_delivery_rule_is_disabled_without_a_bucket(template: dict[str, Any]) -> None:
    rule = props(_res(template, "InvocationLogObjectRule"))
    assert rule["State"] == {"Fn::If": ["HasInvocationLogBucket", "ENABLED", "DISABLED"]}
    assert rule["EventPattern"]["source"] == ["aws.s3"] and rule["EventPattern"]["detail-type"] == ["Object Created"]
    assert rule["EventPattern"]["detail"]["bucket"]["name"] == [{"Ref": "InvocationLogBucketName"}]
    (target,) = rule["Targets"]
    assert ref(target["Arn"]) == FORWARDER
    read = _statements(template)["ReadInvocationLogObjects"]
    assert read["Action"] == "s3:GetObject" and read["Resource"]["Fn::Sub"].endswith(":::${InvocationLogBucketName}/*")


def test_forwarder_puts_only_invocation_records_and_writes_only_its_own_stores(template: dict[str, Any]) -> None:
    s = _statements(template)
    assert set(s) == {"PutInvocationRecordsOnAidrBus", "OffloadOversizeRecords", "EncryptOffloadedRecords",
                      "DeadLetterUndeliverableRecords", "ReadInvocationLogObjects", "DecryptInvocationLogObjects"}
    put = s["PutInvocationRecordsOnAidrBus"]
    assert put["Action"] == "events:PutEvents" and ref(put["Resource"]) == "AidrEventBus"
    rule = props(_res(template, "InvocationLogRule"))["EventPattern"]
    assert put["Condition"]["StringEquals"] == {"events:source": AIDR_SOURCE, "events:detail-type": INVOCATION_LOG}
    assert rule == {"source": [AIDR_SOURCE], "detail-type": [INVOCATION_LOG]}
    assert s["OffloadOversizeRecords"]["Action"] == "s3:PutObject"
    assert s["OffloadOversizeRecords"]["Resource"]["Fn::Sub"] == "${InvocationLogOffloadBucket.Arn}/aidr/offload/*"
    key = s["EncryptOffloadedRecords"]
    assert key["Action"] == "kms:GenerateDataKey" and ref(key["Resource"]) == "EncryptionKey"
    assert key["Condition"]["StringEquals"]["kms:ViaService"]["Fn::Sub"].startswith("s3.")
    dlq = s["DeadLetterUndeliverableRecords"]
    assert dlq["Action"] == "sqs:SendMessage" and ref(dlq["Resource"]) == "ForwardDLQ"


def test_offload_bucket_is_encrypted_private_tls_only_and_expires(template: dict[str, Any]) -> None:
    b = props(_res(template, "InvocationLogOffloadBucket"))
    (enc,) = b["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert enc["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "aws:kms",
                                                    "KMSMasterKeyID": {"Fn::GetAtt": ["EncryptionKey", "Arn"]}}
    assert all(b["PublicAccessBlockConfiguration"].values()) and len(b["PublicAccessBlockConfiguration"]) == 4
    (rule,) = b["LifecycleConfiguration"]["Rules"]
    assert rule["Status"] == "Enabled" and ref(rule["ExpirationInDays"]) == "OffloadRetentionDays"
    (deny,) = props(_res(template, "InvocationLogOffloadBucketPolicy"))["PolicyDocument"]["Statement"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_forward_dlq_accepts_only_the_forwarder_and_is_watched(template: dict[str, Any]) -> None:
    allow, deny = props(_res(template, "ForwardDLQPolicy"))["PolicyDocument"]["Statement"]
    assert [ref(a) for a in allow["Principal"]["AWS"]] == [f"{FORWARDER}Role"] and allow["Action"] == "sqs:SendMessage"
    assert deny["Effect"] == "Deny"
    alarm = props(_res(template, "ForwardDLQAlarm"))
    assert ref(alarm["Dimensions"][0]["Value"]) == "ForwardDLQ"
