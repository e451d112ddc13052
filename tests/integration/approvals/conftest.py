"""An emulated account for the approval functions: the approvals and ledger tables from template.yaml, the topic
with an SQS tap, the config (approvers) in SSM, the Slack secrets, and a playbook that really waits on a token.

The playbook is a one-state machine under moto's Step Functions interpreter whose Task waits with
``sqs:sendMessage.waitForTaskToken`` (the token arrives on a queue, as RequestApprovalFunction would receive it
from ``lambda:invoke.waitForTaskToken``): SendTaskSuccess/Failure from the code under test really ends the wait.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from aidr.approvals.handlers import clear_secret_cache
from aidr.runtime import clear_config_cache
from moto import mock_aws

from tests.integration.moto_account import _queue, aws_client, create_table, sns_notifications

APPROVALS_TABLE, LEDGER_TABLE = "aidr-test-approvals", "aidr-test-ledger"
CONFIG_PARAMETER = "/aidr/test/config"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
WEBHOOK_URL = "https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX"
ACCOUNT = "111122223333"
ONCALL = f"arn:aws:sts::{ACCOUNT}:assumed-role/OnCall/alice"
SUBJECT_ROLE = f"arn:aws:iam::{ACCOUNT}:role/ml-pipeline"
SLACK_APPROVER = "slack:T0AIDR:U0ALICE"
CONFIG = f"""
approvers:
  - arn:aws:iam::{ACCOUNT}:role/OnCall
  - arn:aws:iam::{ACCOUNT}:role/ml-pipeline   # an approver in general, but never for its own containment
  - {SLACK_APPROVER}
"""


def finding(principal: str = f"arn:aws:sts::{ACCOUNT}:assumed-role/ml-pipeline/i-0abc") -> dict[str, Any]:
    return {
        "id": "f3c1a9e0b7d24c6e8a1f5b2c9d0e7a41", "detector": "bedrock.invocation_logging_deleted",
        "category": "defense-evasion", "severity": "high", "title": "Bedrock model invocation logging deleted",
        "description": "DeleteModelInvocationLoggingConfiguration from a session of ml-pipeline.",
        "layer": "application", "phase": "foundational", "account": ACCOUNT, "region": "us-east-1",
        "principal": {"arn": principal, "type": "AssumedRole"}, "resources": [],
        "first_seen": "2026-05-01T10:00:00.000Z", "last_seen": "2026-05-01T10:00:00.000Z",
        "event_ids": ["0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"], "evidence": {"sourceIPAddress": "203.0.113.10"},
        "techniques": ["T1562.008"], "playbook": "revoke-principal",
    }


PLAN = [{"action": "revoke-sessions", "target": SUBJECT_ROLE, "destructive": False,
         "changes": "add inline policy AWSRevokeOlderSessions to role ml-pipeline: deny * for sessions issued "
                    "before now"}]


@dataclass
class Env:
    topic_queue_url: str
    token_queue_url: str
    state_machine_arn: str

    def client(self, service: str) -> Any:
        return aws_client(service)

    def start_wait(self, name: str, timeout_seconds: int = 300) -> tuple[str, str]:
        """Start a playbook execution that waits on a token; returns (execution ARN, task token)."""
        sfn = self.client("stepfunctions")
        arn = sfn.start_execution(stateMachineArn=self.state_machine_arn, name=name,
                                  input=json.dumps({"timeout": timeout_seconds}))["executionArn"]
        sqs = self.client("sqs")
        for _ in range(100):
            msgs = sqs.receive_message(QueueUrl=self.token_queue_url, MaxNumberOfMessages=1).get("Messages", [])
            if msgs:
                sqs.delete_message(QueueUrl=self.token_queue_url, ReceiptHandle=msgs[0]["ReceiptHandle"])
                body = json.loads(msgs[0]["Body"])
                assert body["execution_arn"] == arn
                return arn, body["token"]
            time.sleep(0.05)
        raise AssertionError("the playbook never asked for approval")

    def execution(self, arn: str, wait: bool = True) -> dict[str, Any]:
        sfn = self.client("stepfunctions")
        for _ in range(100):
            d = sfn.describe_execution(executionArn=arn)
            if d["status"] != "RUNNING" or not wait:
                return d  # type: ignore[no-any-return]
            time.sleep(0.05)
        return d  # type: ignore[no-any-return]

    def notifications(self) -> list[dict[str, Any]]:
        return sns_notifications(self.client("sqs"), self.topic_queue_url)


def request_event(execution_arn: str, token: str, escalation: bool = False, **over: Any) -> dict[str, Any]:
    return {"task_token": token, "execution_arn": execution_arn, "playbook": "revoke-principal",
            "finding": finding(), "plan": PLAN, "escalation": escalation, "timeout_seconds": 900, **over}


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> Iterator[Env]:
    """The account, with moto executing the playbook (SendTask* really ends its wait)."""
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        yield from _build(monkeypatch)


@pytest.fixture
def plain_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[Env]:
    """The account with moto's default Step Functions, which accepts any task token (for sample events)."""
    with mock_aws():
        yield from _build(monkeypatch)


def _build(monkeypatch: pytest.MonkeyPatch) -> Iterator[Env]:
    """Create the resources inside an active mock_aws; forget cached config and secrets around it."""
    clear_config_cache()
    clear_secret_cache()
    ddb = aws_client("dynamodb")
    create_table(ddb, APPROVALS_TABLE, "ApprovalsTable")
    create_table(ddb, LEDGER_TABLE, "LedgerTable")
    sqs, sns = aws_client("sqs"), aws_client("sns")
    topic_arn = sns.create_topic(Name="aidr-findings")["TopicArn"]
    topic_url, topic_queue_arn = _queue(sqs, "aidr-topic-tap")
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=topic_queue_arn)
    token_url, _ = _queue(sqs, "aidr-approval-tokens")
    aws_client("ssm").put_parameter(Name=CONFIG_PARAMETER, Value=CONFIG, Type="String", Overwrite=True)
    secrets = aws_client("secretsmanager")
    signing = secrets.create_secret(Name="aidr/slack-signing", SecretString=SIGNING_SECRET)["ARN"]
    webhook = secrets.create_secret(Name="aidr/slack-webhook", SecretString=WEBHOOK_URL)["ARN"]
    role = aws_client("iam").create_role(RoleName="aidr-playbook", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    asl = {"StartAt": "Approval", "States": {"Approval": {
        "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "TimeoutSecondsPath": "$.timeout",
        "Parameters": {"QueueUrl": token_url,
                       "MessageBody": {"token.$": "$$.Task.Token", "execution_arn.$": "$$.Execution.Id"}},
        "End": True}}}
    sm = aws_client("stepfunctions").create_state_machine(
        name="aidr-test-revoke-principal", definition=json.dumps(asl), roleArn=role)["stateMachineArn"]
    for k, v in {"AIDR_APPROVALS_TABLE": APPROVALS_TABLE, "AIDR_LEDGER_TABLE": LEDGER_TABLE,
                 "AIDR_TOPIC_ARN": topic_arn, "AIDR_CONFIG_PARAMETER": CONFIG_PARAMETER,
                 "AIDR_SLACK_SIGNING_SECRET_ARN": signing, "AIDR_SLACK_WEBHOOK_SECRET_ARN": webhook,
                 "AIDR_SLACK_INTERACTIVE": "true", "POWERTOOLS_SERVICE_NAME": "aidr"}.items():
        monkeypatch.setenv(k, v)
    yield Env(topic_url, token_url, sm)
    clear_config_cache()
    clear_secret_cache()
