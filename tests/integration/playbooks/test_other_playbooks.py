"""quarantine-bucket, disable-endpoint and restore-logging under moto's Step Functions interpreter, each rolled back."""

from __future__ import annotations

import json
from typing import Any

from aidr.config import AidrConfig
from aidr.detectors.audit.last_known import observe
from aidr.detectors.bedrock.logging_weakened import logging_state_key
from aidr.state.dynamodb import DynamoDBState
from aidr_cli.response_account import ResponseAccount

from .conftest import ACCOUNT, REGION, Factory, finding

BUCKET = "training-data-prod"
PUBLIC = {"Version": "2012-10-17", "Statement": [{"Sid": "Public", "Effect": "Allow", "Principal": "*",
                                                  "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{BUCKET}/*"}]}


def _done(acct: ResponseAccount, run: Any) -> dict[str, Any]:
    d = acct.wait(run)
    assert d["status"] == "SUCCEEDED", (d, acct.notifications())
    return json.loads(d["output"])


def _bucket_state(acct: ResponseAccount) -> tuple[Any, Any, Any]:
    s3 = acct.harness.client("s3")
    policy = json.loads(s3.get_bucket_policy(Bucket=BUCKET)["Policy"])
    try:
        pab = s3.get_public_access_block(Bucket=BUCKET)["PublicAccessBlockConfiguration"]
    except s3.exceptions.ClientError:
        pab = None
    tags = s3.get_bucket_tagging(Bucket=BUCKET)["TagSet"]
    return policy, pab, sorted((t["Key"], t["Value"]) for t in tags)


def test_quarantine_bucket_approved_then_rolled_back_exactly(responder: Factory) -> None:
    acct = responder()
    s3 = acct.harness.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(PUBLIC))
    s3.put_bucket_tagging(Bucket=BUCKET, Tagging={"TagSet": [{"Key": "team", "Value": "ml"}]})
    before = _bucket_state(acct)
    f = finding(id="b" * 32, detector="data.bucket_exposure", category="data-exposure", severity="high",
                resources=[{"type": "AWS::S3::Bucket", "id": f"arn:aws:s3:::{BUCKET}"}], playbook="quarantine-bucket")
    run = acct.start(f)
    assert run is not None and run.playbook == "quarantine-bucket"
    acct.decide(acct.wait_for_approval(run), "approved")
    out = _done(acct, run)
    assert out["outcome"] == "contained"
    policy, pab, tags = _bucket_state(acct)
    deny = next(s for s in policy["Statement"] if s.get("Sid") == "AidrQuarantine")
    assert deny["Condition"]["ArnNotLike"]["aws:PrincipalArn"] == [acct.env["AIDR_RESPONDER_ROLE_ARN"]]
    assert pab == dict.fromkeys(("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy",
                                 "RestrictPublicBuckets"), True)
    assert ("aidr:quarantine", f["id"]) in tags or any(k == "aidr:quarantine" for k, _ in tags)
    rolled = _done(acct, acct.rollback(f["id"]))
    assert rolled["outcome"] == "rolled_back"
    assert _bucket_state(acct) == before


def _endpoint(acct: ResponseAccount) -> None:
    sm = acct.harness.client("sagemaker")
    role = acct.harness.client("iam").create_role(RoleName="sm-exec", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    sm.create_model(ModelName="m", ExecutionRoleArn=role,
                    PrimaryContainer={"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/m:1"})
    sm.create_endpoint_config(EndpointConfigName="cfg", ProductionVariants=[{
        "VariantName": "v", "ModelName": "m", "InitialInstanceCount": 1, "InstanceType": "ml.m5.large"}])
    sm.create_endpoint(EndpointName="chat", EndpointConfigName="cfg", Tags=[{"Key": "app", "Value": "chat"}])


def test_disable_endpoint_waits_for_approval_even_in_auto_mode_then_restores(responder: Factory) -> None:
    acct = responder(mode="auto")
    _endpoint(acct)
    f = finding(id="c" * 32, detector="sagemaker.model_supply_chain", category="model-supply-chain",
                severity="high", playbook="disable-endpoint",
                resources=[{"type": "AWS::SageMaker::Endpoint",
                            "id": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:endpoint/chat"}])
    run = acct.start(f)
    approval = acct.wait_for_approval(run)
    assert approval is not None  # destructive: never at once
    sm = acct.harness.client("sagemaker")
    assert sm.describe_endpoint(EndpointName="chat")["EndpointStatus"] == "InService"
    acct.decide(approval, "approved")
    out = _done(acct, run)
    assert out["outcome"] == "contained" and out["plan"][0]["destructive"] is True
    assert [e["EndpointName"] for e in sm.list_endpoints()["Endpoints"]] == []
    assert sm.describe_endpoint_config(EndpointConfigName="cfg")  # config kept for the restore
    _done(acct, acct.rollback(f["id"]))
    assert sm.describe_endpoint(EndpointName="chat")["EndpointConfigName"] == "cfg"


LOGGING = {"s3Config": {"bucketName": "bedrock-logs", "keyPrefix": "invocations/"},
           "textDataDeliveryEnabled": True, "imageDataDeliveryEnabled": True, "embeddingDataDeliveryEnabled": True}


def test_restore_logging_puts_back_the_last_known_configuration(responder: Factory) -> None:
    acct = responder(mode="auto")
    acct.harness.client("s3").create_bucket(Bucket="bedrock-logs")
    state = DynamoDBState(acct.env["AIDR_STATE_TABLE"], acct.harness.client("dynamodb"))
    key = logging_state_key(ACCOUNT, REGION)
    observe(state, key, event_id="put-1", ts=1.0, update=lambda _p: LOGGING)  # what the detectors saw
    observe(state, key, event_id="del-1", ts=2.0, update=lambda _p: None)  # the tampering
    f = finding(id="d" * 32, detector="bedrock.invocation_logging_deleted", category="logging-tampering",
                severity="high", playbook="restore-logging", event_ids=["del-1"],
                resources=[{"type": "AWS::Bedrock::ModelInvocationLoggingConfiguration", "id": f"{ACCOUNT}/{REGION}"}])
    out = _done(acct, acct.start(f))
    assert out["outcome"] == "contained"
    bedrock = acct.harness.client("bedrock")
    assert bedrock.get_model_invocation_logging_configuration()["loggingConfig"]["s3Config"]["bucketName"] == \
        "bedrock-logs"


def test_restore_logging_without_a_known_configuration_is_refused(responder: Factory) -> None:
    acct = responder(AidrConfig(), mode="auto")
    f = finding(id="e" * 32, category="logging-tampering", severity="high", event_ids=["del-9"])
    run = acct.start(f)
    assert run is not None and run.playbook == "restore-logging"
    assert acct.wait(run)["status"] == "FAILED"
    assert "nothing known-good" in acct.notifications()[-1]["message"]["error"]["cause"]
