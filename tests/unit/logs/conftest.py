"""An emulated account for the forwarder tests: the aidr bus (with a rule that copies events to a queue we
can read), the offload bucket and the dead-letter queue."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from aidr.logs.forwarder import Forwarder
from moto import mock_aws

REGION = "us-east-1"
BUS = "aidr-test"
OFFLOAD_BUCKET = "aidr-offload-111122223333"


@dataclass
class Account:
    events: Any
    s3: Any
    sqs: Any
    observer_url: str
    dlq_url: str

    def forwarder(self, **kw: Any) -> Forwarder:
        kw.setdefault("s3", self.s3)
        kw.setdefault("sqs", self.sqs)
        kw.setdefault("offload_bucket", OFFLOAD_BUCKET)
        kw.setdefault("dlq_url", self.dlq_url)
        kw.setdefault("sleep", lambda _s: None)
        kw.setdefault("events", self.events)
        return Forwarder(BUS, **kw)

    def _drain(self, url: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        while True:
            msgs = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
            if not msgs:
                return out
            for m in msgs:
                out.append(json.loads(m["Body"]))
                self.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])

    def delivered(self) -> list[dict[str, Any]]:
        """Events that reached the bus (EventBridge envelopes)."""
        return self._drain(self.observer_url)

    def dead_letters(self) -> list[dict[str, Any]]:
        return self._drain(self.dlq_url)


@pytest.fixture
def account() -> Iterator[Account]:
    with mock_aws():
        events = boto3.client("events", region_name=REGION)
        s3 = boto3.client("s3", region_name=REGION)
        sqs = boto3.client("sqs", region_name=REGION)
        events.create_event_bus(Name=BUS)
        observer = sqs.create_queue(QueueName="observer")["QueueUrl"]
        attrs = sqs.get_queue_attributes(QueueUrl=observer, AttributeNames=["QueueArn"])["Attributes"]
        observer_arn = attrs["QueueArn"]
        events.put_rule(Name="all-invocation-logs", EventBusName=BUS,
                        EventPattern=json.dumps({"source": ["aidr"], "detail-type": ["Bedrock Model Invocation Log"]}))
        events.put_targets(Rule="all-invocation-logs", EventBusName=BUS, Targets=[{"Id": "q", "Arn": observer_arn}])
        dlq = sqs.create_queue(QueueName="forwarder-dlq")["QueueUrl"]
        s3.create_bucket(Bucket=OFFLOAD_BUCKET)
        yield Account(events, s3, sqs, observer, dlq)
