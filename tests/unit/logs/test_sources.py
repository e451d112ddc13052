"""Decoding CloudWatch Logs subscription payloads and S3 log objects, and reporting what cannot be read."""

from __future__ import annotations

import base64
import gzip
import json
from typing import Any

import pytest
from aidr.errors import InputError
from aidr.logs.sources import (
    BadRecord,
    S3Object,
    SourceRecord,
    decode_awslogs,
    gunzip,
    records_from_awslogs,
    records_from_object,
    s3_objects,
)

from tests.conftest import EVENTS, load_json
from tests.unit.invocation.records import converse


def awslogs(messages: list[Any], message_type: str = "DATA_MESSAGE", raw: bytes | None = None) -> dict[str, Any]:
    payload = {"messageType": message_type, "owner": "111122223333", "logGroup": "/aws/bedrock/invocations",
               "logStream": "aws/bedrock/modelinvocations", "subscriptionFilters": ["aidr"],
               "logEvents": [{"id": str(36000000000000000000000000000000000000000000000000000000 + i),
                              "timestamp": 1741083302000 + i, "message": m} for i, m in enumerate(messages)]}
    data = raw if raw is not None else gzip.compress(json.dumps(payload).encode())
    return {"awslogs": {"data": base64.b64encode(data).decode()}}


def test_the_sample_subscription_event_decodes() -> None:
    sample = load_json(EVENTS / "ForwardInvocationLogsFunction" / "cloudwatch-logs.subscription.json")
    items = list(records_from_awslogs(sample))
    assert [type(i) for i in items] == [SourceRecord] * 3
    assert items[2].record["errorCode"] == "ValidationException"
    assert all(i.time and i.time.endswith("Z") for i in items)


def test_control_messages_are_skipped() -> None:
    sample = load_json(EVENTS / "ForwardInvocationLogsFunction" / "cloudwatch-logs.control-message.json")
    assert list(records_from_awslogs(sample)) == []


def test_bad_messages_are_reported_with_their_location_and_the_rest_goes_on() -> None:
    good = converse()
    items = list(records_from_awslogs(awslogs([json.dumps(good), "{not json", json.dumps({"hello": 1}),
                                               json.dumps([good, converse()]), json.dumps(good)[:40]])))
    kinds = [type(i).__name__ for i in items]
    assert kinds == ["SourceRecord", "BadRecord", "BadRecord", "SourceRecord", "SourceRecord", "BadRecord"]
    bad = [i for i in items if isinstance(i, BadRecord)]
    assert "invalid JSON" in bad[0].reason and bad[0].location.startswith("/aws/bedrock/invocations/")
    assert "not a model-invocation-log record" in bad[1].reason
    assert items[3].location.endswith("[0]") and items[4].location.endswith("[1]")  # a bare JSON array of records


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        ({}, "event has no awslogs.data string"),
        ({"awslogs": {"data": "!!!not-base64!!!"}}, "not base64"),
        (awslogs([], raw=b"plain text, not gzip"), "not a gzip stream"),
        (awslogs([], raw=gzip.compress(b'{"messageType": "DATA_MESSAGE", "logEvents": []}')[:-12]), "truncated gzip"),
        (awslogs([], raw=gzip.compress(b"\xff\xfe not utf-8 \x80")), "not JSON"),
        (awslogs([], raw=gzip.compress(b"[1, 2]")), "not an object"),
    ],
)
def test_undecodable_payloads_name_the_step(event: dict[str, Any], reason: str) -> None:
    with pytest.raises(InputError, match=reason):
        decode_awslogs(event)
    (bad,) = records_from_awslogs(event)
    assert isinstance(bad, BadRecord) and reason in bad.reason and bad.location == "awslogs.data"


def test_gunzip_refuses_bombs_and_reads_concatenated_members() -> None:
    assert gunzip(gzip.compress(b"ab") + gzip.compress(b"cd"), "x") == b"abcd"
    with pytest.raises(InputError, match="exceeds 1000 bytes"):
        gunzip(gzip.compress(b"0" * 10_000), "x", limit=1000)
    with pytest.raises(InputError, match="corrupt gzip"):
        gunzip(gzip.compress(b"ab") + b"trailing garbage", "x")


def test_s3_notifications_in_all_three_deliveries() -> None:
    direct = load_json(EVENTS / "ForwardInvocationLogsFunction" / "s3.object-created.json")
    (obj,) = s3_objects(direct)
    assert obj.key.startswith("AWSLogs/111122223333/BedrockModelInvocationLogs/") and obj.is_log_file
    encoded = json.loads(json.dumps(direct).replace(obj.key, "AWSLogs/with+space%3Dx.json.gz"))
    assert s3_objects(encoded)[0].key == "AWSLogs/with space=x.json.gz"
    via_sqs = {"Records": [{"eventSource": "aws:sqs", "body": json.dumps(direct)}]}
    assert s3_objects(via_sqs) == [obj]
    eventbridge = {"source": "aws.s3", "detail-type": "Object Created",
                   "detail": {"bucket": {"name": "b"}, "object": {"key": "a+b.json.gz", "size": 3}}}
    assert s3_objects(eventbridge) == [S3Object("b", "a+b.json.gz", 3)]
    removed = json.loads(json.dumps(direct).replace("ObjectCreated:Put", "ObjectRemoved:Delete"))
    assert s3_objects(removed) == []


def test_offloaded_bodies_and_permission_checks_are_not_log_files() -> None:
    prefix = "AWSLogs/111122223333/BedrockModelInvocationLogs/"
    assert not S3Object("b", prefix + "us-east-1/2025/03/04/10/data/r_input.json.gz").is_log_file
    assert not S3Object("b", prefix + "amazon-bedrock-logs-permission-check").is_log_file
    assert S3Object("b", prefix + "us-east-1/2025/03/04/10/20250304T101502Z_4f1c.json.gz").is_log_file


def test_s3_objects_in_every_layout() -> None:
    a, b = converse(), converse()
    obj = S3Object("logs", "AWSLogs/k.json.gz")
    lines = (json.dumps(a) + "\n{broken\n" + json.dumps(b) + "\n").encode()
    items = list(records_from_object(obj, gzip.compress(lines)))
    assert [type(i).__name__ for i in items] == ["SourceRecord", "BadRecord", "SourceRecord"]
    assert items[1].location == "s3://logs/AWSLogs/k.json.gz:2"
    assert [i.record for i in records_from_object(obj, json.dumps([a, b]).encode())] == [a, b]
    assert [i.record for i in records_from_object(obj, json.dumps(a).encode())] == [a]
    (bad,) = records_from_object(obj, gzip.compress(lines)[:-10])
    assert isinstance(bad, BadRecord) and "truncated gzip" in bad.reason
    (bad,) = records_from_object(obj, b'{"Records": [{"eventSource": "s3.amazonaws.com"}]}')
    assert "not a model-invocation-log record" in bad.reason
