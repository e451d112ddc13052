"""The forwarder's runtime and handler on the events/ samples, against the emulated account."""

from __future__ import annotations

import gzip
import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest
from aidr.errors import ConfigError, InputError
from aidr.logs.run import ForwarderSettings, forward_event
from aidr.runtime.clients import Clients

from tests.conftest import EVENTS, ROOT, load_json
from tests.unit.invocation.records import converse
from tests.unit.logs.conftest import BUS, OFFLOAD_BUCKET, Account

SAMPLES = EVENTS / "ForwardInvocationLogsFunction"


def run(account: Account, event: Any) -> dict[str, int]:
    settings = ForwarderSettings(BUS, OFFLOAD_BUCKET, account.dlq_url)
    clients = Clients(events=account.events, s3=account.s3, sqs=account.sqs)
    return forward_event(event, settings=settings, clients=clients, sleep=lambda _s: None)


def test_subscription_sample(account: Account) -> None:
    counts = run(account, load_json(SAMPLES / "cloudwatch-logs.subscription.json"))
    assert (counts["Records"], counts["Forwarded"], counts["DeadLettered"]) == (3, 3, 0)
    assert len(account.delivered()) == 3


def test_control_message_sample(account: Account) -> None:
    assert run(account, load_json(SAMPLES / "cloudwatch-logs.control-message.json"))["Records"] == 0
    assert account.delivered() == []


def test_s3_sample(account: Account) -> None:
    event = load_json(SAMPLES / "s3.object-created.json")
    s3 = event["Records"][0]["s3"]
    account.s3.create_bucket(Bucket=s3["bucket"]["name"])
    lines = "\n".join(json.dumps(converse(f"q{i}")) for i in range(4)) + "\n{broken\n"
    account.s3.put_object(Bucket=s3["bucket"]["name"], Key=s3["object"]["key"], Body=gzip.compress(lines.encode()))
    counts = run(account, event)
    assert (counts["Records"], counts["Forwarded"], counts["Unreadable"], counts["DeadLettered"]) == (4, 4, 1, 1)
    assert account.dead_letters()[0]["location"].endswith(".json.gz:5")


def test_missing_object_is_dead_lettered_and_offloaded_bodies_skipped(account: Account) -> None:
    event = load_json(SAMPLES / "s3.object-created.json")
    account.s3.create_bucket(Bucket=event["Records"][0]["s3"]["bucket"]["name"])
    counts = run(account, event)
    assert (counts["Unreadable"], counts["DeadLettered"]) == (1, 1)
    assert "NoSuchKey" in account.dead_letters()[0]["reason"]
    body = json.loads(json.dumps(event).replace("/10/2025", "/10/data/2025"))
    assert run(account, body)["Skipped"] == 1


def test_unsupported_events_and_missing_settings(account: Account) -> None:
    with pytest.raises(InputError, match="not a CloudWatch Logs subscription event"):
        run(account, {"detail-type": "Something"})
    assert run(account, {"Service": "Amazon S3", "Event": "s3:TestEvent"})["Records"] == 0
    with pytest.raises(ConfigError, match="AIDR_EVENT_BUS"):
        ForwarderSettings.from_env({})


def _handler(path: Path) -> Any:
    spec = importlib.util.spec_from_file_location("forward_invocation_logs_app", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.handler


class Context:
    function_name = "ForwardInvocationLogsFunction"
    memory_limit_in_mb = 512
    aws_request_id = "c0ffee00-0000-4000-8000-000000000001"
    invoked_function_arn = "arn:aws:lambda:us-east-1:111122223333:function:ForwardInvocationLogsFunction"
    function_version = "$LATEST"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


def test_handler_logs_locations_never_content(account: Account, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    from aidr.aws import reset_clients

    monkeypatch.setenv("AIDR_EVENT_BUS", BUS)
    monkeypatch.setenv("AIDR_FORWARD_DLQ_URL", account.dlq_url)
    reset_clients()
    handler = _handler(ROOT / "functions" / "forward_invocation_logs" / "app.py")
    secret_prompt = json.dumps(converse("my password is hunter2-SECRET"))[:-5]  # truncated: invalid JSON
    payload = {"messageType": "DATA_MESSAGE", "logGroup": "g", "logStream": "s",
               "logEvents": [{"id": "1", "timestamp": 1741083302000, "message": secret_prompt},
                             {"id": "2", "timestamp": 1741083302001, "message": json.dumps(converse())}]}
    import base64

    event = {"awslogs": {"data": base64.b64encode(gzip.compress(json.dumps(payload).encode())).decode()}}
    assert handler(event, Context())["Forwarded"] == 1
    out = capsys.readouterr().out
    assert "g/s event 1: invalid JSON" in out and "hunter2" not in out
    assert '"DeadLettered"' in out  # the EMF metrics blob
    reset_clients()
