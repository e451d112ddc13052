"""CloudTrail records and a live-delivery runner for the tampering detector tests.

:class:`Live` feeds records to the detectors in the order given, as EventBridge does (out of order and repeated),
through the real engine, sharing one state: unlike replay, which sorts by time.
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from aidr.config import AidrConfig
from aidr.detectors.registry import load_all
from aidr.engine import Engine
from aidr.findings.model import Finding
from aidr.normalize.envelope import envelope_from_record
from aidr.state import MemoryState
from aidr.state.base import StateStore

ACCOUNT = "111122223333"
FOREIGN = "444455556666"
T0 = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)
CLI_UA = "aws-cli/2.17.4 md/awscrt#0.20.11 ua/2.0 os/linux#6.1.0 md/arch#x86_64 lang/python#3.11.9"


def role(name: str = "ml-platform-deployer", session: str = "build-42") -> dict[str, Any]:
    return {
        "type": "AssumedRole",
        "principalId": f"AROAEXAMPLEROLE00001:{session}",
        "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{name}/{session}",
        "accountId": ACCOUNT,
        "accessKeyId": "ASIAEXAMPLEKEY000801",
        "sessionContext": {
            "sessionIssuer": {"type": "Role", "principalId": "AROAEXAMPLEROLE00001",
                              "arn": f"arn:aws:iam::{ACCOUNT}:role/{name}", "accountId": ACCOUNT, "userName": name},
            "attributes": {"creationDate": "2026-03-02T08:30:00Z", "mfaAuthenticated": "false"},
        },
    }


def user(name: str = "svc-ml-ci") -> dict[str, Any]:
    return {"type": "IAMUser", "principalId": "AIDAEXAMPLEUSER00801", "arn": f"arn:aws:iam::{ACCOUNT}:user/{name}",
            "accountId": ACCOUNT, "userName": name, "accessKeyId": "AKIAEXAMPLEKEY000802"}


ROOT = {"type": "Root", "principalId": ACCOUNT, "arn": f"arn:aws:iam::{ACCOUNT}:root", "accountId": ACCOUNT}


def call(name: str, service: str, rp: Any, *, at: float = 0, key: str | None = None, who: dict[str, Any] | None = None,
         resp: Any = None, error: str | None = None, region: str = "us-east-1") -> dict[str, Any]:
    """One CloudTrail record ``at`` seconds after T0; ``key`` names it (its eventID derives from the key)."""
    key = key or f"{name}:{at}"
    rec: dict[str, Any] = {
        "eventVersion": "1.09",
        "userIdentity": who or role(),
        "eventTime": (T0 + timedelta(seconds=at)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "eventSource": f"{service}.amazonaws.com",
        "eventName": name,
        "awsRegion": region,
        "sourceIPAddress": "203.0.113.77",
        "userAgent": CLI_UA,
        "requestParameters": rp,
        "responseElements": None if error else resp,
        "requestID": str(uuid.uuid5(uuid.NAMESPACE_URL, "req:" + key)),
        "eventID": str(uuid.uuid5(uuid.NAMESPACE_URL, key)),
        "readOnly": False,
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": ACCOUNT,
        "eventCategory": "Management",
    }
    if error:
        rec["errorCode"], rec["errorMessage"] = error, "denied"
    return rec


class Live:
    """Deliver records one by one to the given detectors (all sharing ``state``) and keep what they emit."""

    def __init__(self, *detector_ids: str, config: AidrConfig | None = None, state: StateStore | None = None) -> None:
        registry = load_all()
        self.state = state or MemoryState()
        self.engine = Engine(config or AidrConfig(), self.state, detectors=[registry[d] for d in detector_ids])
        self.emitted: list[Finding] = []

    @property
    def counters(self) -> Counter[str]:
        return self.engine.counters

    def send(self, *records: dict[str, Any]) -> list[Finding]:
        """Findings emitted for these records (in order)."""
        out: list[Finding] = []
        for rec in records:
            env = envelope_from_record(rec)
            assert env is not None, rec
            out += self.engine.process(env)
        self.emitted += out
        return out

    def one(self, record: dict[str, Any]) -> Finding | None:
        found = self.send(record)
        assert len(found) <= 1, found
        return found[0] if found else None
