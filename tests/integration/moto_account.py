"""An emulated AWS account (moto, in process) with what the Lambda functions use, declared as in template.yaml.

Tables are created from the template's own KeySchema / AttributeDefinitions / TTL, so the runtime is tested
against the key schema that is deployed. The aidr bus gets a catch-all rule into an SQS queue and the topic an
SQS subscription, so tests read what the functions put and published through the public APIs only.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from aidr_cli.template import load_template

from tests.conftest import ROOT

REGION = "us-east-1"
STATE_TABLE = "aidr-test-state"
FINDINGS_TABLE = "aidr-test-findings"
BUS = "aidr-test"
CONFIG_PARAMETER = "/aidr/test/config"
SAMPLES_CONFIG = Path(__file__).with_name("samples-config.yaml")


@functools.cache
def session() -> boto3.session.Session:
    """One session for every test: botocore loads its endpoint and service data once per session (about a
    second), and moto intercepts the clients of any session made after it was imported."""
    return boto3.session.Session(region_name=REGION)


@functools.cache
def aws_client(service: str) -> Any:
    """A shared client of :func:`session` (clients hold no emulated state; moto resets per ``mock_aws``)."""
    return session().client(service)


@functools.cache
def template_resources() -> dict[str, Any]:
    return load_template(ROOT / "template.yaml")["Resources"]


def table_definition(logical_id: str) -> dict[str, Any]:
    """CreateTable arguments (less the name) and TTL attribute of a table in template.yaml."""
    props = template_resources()[logical_id]["Properties"]
    ttl = props.get("TimeToLiveSpecification") or {}
    return {
        "KeySchema": props["KeySchema"],
        "AttributeDefinitions": props["AttributeDefinitions"],
        "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
        "ttl": ttl.get("AttributeName") if ttl.get("Enabled") else None,
    }


def create_table(ddb: Any, name: str, logical_id: str) -> None:
    spec = table_definition(logical_id)
    ttl = spec.pop("ttl")
    ddb.create_table(TableName=name, **spec)
    if ttl:
        ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={"AttributeName": ttl, "Enabled": True})


def _queue(sqs: Any, name: str) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def _drain(sqs: Any, url: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    while True:
        msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
        if not msgs:
            return out
        for m in msgs:
            out.append(json.loads(m["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


def sns_notifications(sqs: Any, url: str) -> list[dict[str, Any]]:
    """SNS notifications the queue at ``url`` received since the last call: ``{"subject", "message" (parsed
    JSON), "attributes"}``."""
    out = []
    for envelope in _drain(sqs, url):
        attrs = {k: v["Value"] for k, v in envelope.get("MessageAttributes", {}).items()}
        out.append({"subject": envelope.get("Subject"), "message": json.loads(envelope["Message"]),
                    "attributes": attrs})
    return out


@dataclass
class Account:
    """Handles on the emulated resources; ``env`` is the functions' environment (template Globals)."""

    bus_queue_url: str
    topic_arn: str
    topic_queue_url: str
    env: dict[str, str] = field(default_factory=dict)

    def client(self, service: str) -> Any:
        return aws_client(service)

    def bus_events(self) -> list[dict[str, Any]]:
        """Events put on the aidr bus since the last call, as EventBridge delivers them to a target."""
        events = _drain(self.client("sqs"), self.bus_queue_url)
        account = self.client("sts").get_caller_identity()["Account"]
        for ev in events:
            ev.setdefault("account", account)  # moto's SQS target drops it; EventBridge always sends it
        return events

    def notifications(self) -> list[dict[str, Any]]:
        return sns_notifications(self.client("sqs"), self.topic_queue_url)

    def put_config(self, text: str) -> None:
        self.client("ssm").put_parameter(Name=CONFIG_PARAMETER, Value=text, Type="String", Overwrite=True)

    def claimed(self, function_id: str) -> set[str]:
        """Event ids claimed by a detector function in the state table."""
        from aidr.state.dynamodb import DynamoDBState

        return {m.member for m in DynamoDBState(STATE_TABLE, self.client("dynamodb")).members(
            f"processed:{function_id}")}


def build_account(config_text: str | None = None) -> Account:
    """Create the resources inside an active ``mock_aws``. ``config_text=None`` uses samples-config.yaml."""
    ddb = aws_client("dynamodb")
    create_table(ddb, STATE_TABLE, "StateTable")
    create_table(ddb, FINDINGS_TABLE, "FindingsTable")

    sqs = aws_client("sqs")
    bus_url, bus_queue_arn = _queue(sqs, "aidr-bus-tap")
    events = aws_client("events")
    events.create_event_bus(Name=BUS)
    events.put_rule(Name="tap-everything", EventBusName=BUS, EventPattern=json.dumps({"source": [{"prefix": ""}]}))
    events.put_targets(Rule="tap-everything", EventBusName=BUS, Targets=[{"Id": "tap", "Arn": bus_queue_arn}])

    sns = aws_client("sns")
    topic_arn = sns.create_topic(Name="aidr-findings")["TopicArn"]
    topic_url, topic_queue_arn = _queue(sqs, "aidr-topic-tap")
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=topic_queue_arn)

    account = Account(bus_url, topic_arn, topic_url)
    account.put_config(SAMPLES_CONFIG.read_text(encoding="utf-8") if config_text is None else config_text)
    account.env = {
        "AIDR_CONFIG_PARAMETER": CONFIG_PARAMETER,
        "AIDR_STATE_TABLE": STATE_TABLE,
        "AIDR_FINDINGS_TABLE": FINDINGS_TABLE,
        "AIDR_EVENT_BUS": BUS,
        "AIDR_TOPIC_ARN": topic_arn,
        "AIDR_SECURITY_HUB": "false",
        "AIDR_NOTIFY_MIN_SEVERITY": "medium",
        "AIDR_PHASE": "foundational",
        "AIDR_RESPONSE_MODE": "notify",
        "POWERTOOLS_SERVICE_NAME": "aidr",
    }
    return account
