"""CloudTrail records and an event-order-preserving runner for the LLMjacking detector tests.

``run_in_order`` feeds envelopes to the engine in the order given (as live EventBridge delivery does, out of
order and repeated), unlike replay, which sorts by time.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from aidr.config import AidrConfig
from aidr.engine import Engine
from aidr.findings.model import Finding
from aidr.normalize.envelope import wrap_cloudtrail
from aidr.state import MemoryState

ACCOUNT = "111122223333"
T0 = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)
CLI_UA = "aws-cli/2.17.4 md/awscrt#0.20.11 ua/2.0 os/linux#6.1.0 md/arch#x86_64 lang/python#3.11.9"
BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"


def role_identity(name: str = "llm-app-role", session: str = "cli", key: str = "ASIAEXAMPLEKEY000901"
                  ) -> dict[str, Any]:
    return {
        "type": "AssumedRole",
        "principalId": f"AROAEXAMPLEROLE00901:{session}",
        "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{name}/{session}",
        "accountId": ACCOUNT,
        "accessKeyId": key,
        "sessionContext": {
            "sessionIssuer": {"type": "Role", "principalId": "AROAEXAMPLEROLE00901",
                              "arn": f"arn:aws:iam::{ACCOUNT}:role/{name}", "accountId": ACCOUNT, "userName": name},
            "attributes": {"creationDate": "2026-03-02T08:30:00Z", "mfaAuthenticated": "false"},
        },
    }


def record(
    name: str,
    seconds: float,
    *,
    identity: dict[str, Any] | None = None,
    region: str = "us-east-1",
    model: str | None = None,
    error: str | None = None,
    message: str = "",
    console: bool = False,
    source: str = "bedrock.amazonaws.com",
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One CloudTrail record ``seconds`` after T0 with a deterministic eventID."""
    t = T0 + timedelta(seconds=seconds)
    rec: dict[str, Any] = {
        "eventVersion": "1.09",
        "userIdentity": identity or role_identity(),
        "eventTime": t.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "eventSource": source,
        "eventName": name,
        "awsRegion": region,
        "sourceIPAddress": "203.0.113.50",
        "userAgent": BROWSER_UA if console else CLI_UA,
        "requestParameters": {"modelId": model} if model else None,
        "responseElements": None,
        "requestID": str(uuid.uuid5(uuid.NAMESPACE_URL, f"req/{name}/{seconds}/{region}/{model}")),
        "eventID": str(uuid.uuid5(uuid.NAMESPACE_URL, f"evt/{name}/{seconds}/{region}/{model}/{error}")),
        "readOnly": name.startswith(("Get", "List", "Invoke", "Converse")),
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": ACCOUNT,
        "eventCategory": "Management",
    }
    if error:
        rec["errorCode"] = error
        rec["errorMessage"] = message
    if console:
        rec["sessionCredentialFromConsole"] = "true"
    rec.update(extra or {})
    return rec


class Delivery:
    """One function's engine and state, fed records in the order given; findings merged as the store would."""

    def __init__(self, config: AidrConfig | None = None, function: str = "DetectBedrockFunction") -> None:
        self.engine = Engine(config or AidrConfig(), MemoryState(), function=function)
        self.emitted: list[Finding] = []
        self.findings: dict[str, Finding] = {}

    def send(self, records: Iterable[dict[str, Any]]) -> Delivery:
        for rec in records:
            for f in self.engine.process(wrap_cloudtrail(rec)):
                self.emitted.append(f)
                self.findings[f.id] = self.findings[f.id].merge(f) if f.id in self.findings else f
        return self

    def of(self, detector: str) -> list[Finding]:
        return [f for f in self.findings.values() if f.detector == detector]

    def emitted_by(self, detector: str) -> list[Finding]:
        return [f for f in self.emitted if f.detector == detector]

    @property
    def counters(self) -> Counter[str]:
        return self.engine.counters
