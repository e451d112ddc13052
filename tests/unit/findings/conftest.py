"""A realistic finding to map, with overrides per test."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from aidr.findings.model import Finding, Principal, Resource

FIRST = datetime(2026, 3, 2, 9, 14, 3, 120000, tzinfo=UTC)
LAST = datetime(2026, 3, 2, 9, 31, 47, tzinfo=UTC)


def sample_finding(**overrides: Any) -> Finding:
    base: dict[str, Any] = {
        "id": "5d0c6f0a6f3e4b3c9a1d2e7f8a9b0c1d",
        "detector": "bedrock.invocation_logging_deleted",
        "category": "logging-tampering",
        "severity": "high",
        "title": "Bedrock model invocation logging deleted",
        "description": "arn:aws:sts::111122223333:assumed-role/ml-platform-deployer/build-42 deleted the model "
        "invocation logging configuration in us-east-1.",
        "layer": "identity-data",
        "phase": "foundational",
        "account": "111122223333",
        "region": "us-east-1",
        "principal": Principal(
            arn="arn:aws:sts::111122223333:assumed-role/ml-platform-deployer/build-42",
            type="AssumedRole",
            access_key_id="ASIAEXAMPLEKEY000001",
            session_name="build-42",
        ),
        "resources": [
            Resource(type="AWS::Bedrock::ModelInvocationLoggingConfiguration", id="111122223333/us-east-1"),
            Resource(type="AWS::S3::Bucket", id="ml-invocation-logs-111122223333"),
        ],
        "first_seen": FIRST,
        "last_seen": LAST,
        "event_ids": ["6f2b8d0e-1c3a-4e57-9d2b-7a1e4c9f3b10"],
        "evidence": {"event_name": "DeleteModelInvocationLoggingConfiguration", "source_ip": "203.0.113.77",
                     "trusted_principal": False},
        "techniques": ["T1562.008", "AML.T0051"],
        "playbook": "restore-logging",
    }
    base.update(overrides)
    return Finding(**base)


@pytest.fixture
def make_finding() -> Callable[..., Finding]:
    return sample_finding
