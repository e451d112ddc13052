"""Playbooks executed for real: moto's Step Functions interpreter runs statemachines/*.asl.json, and the Lambda
tasks run the real handlers (PlaybookStepFunction, RequestApprovalFunction) in process through the seam."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from aidr.config import AidrConfig
from aidr_cli.embedded.stepfunctions import MOTO_CONFIG
from aidr_cli.response_account import ResponseAccount
from moto import mock_aws

ACCOUNT = "123456789012"  # moto's default account: the emulated resources live there
REGION = "us-east-1"
Factory = Callable[..., ResponseAccount]


def finding(**over: Any) -> dict[str, Any]:
    """A finding as the detectors emit it (contracts.md section 3), about a role in the emulated account."""
    now = datetime(2026, 5, 1, 12, 0, tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    doc = {
        "id": "f" * 32, "detector": "bedrock.llmjacking_chain", "category": "model-abuse", "severity": "critical",
        "title": "LLMjacking", "description": "stolen credentials used for Bedrock", "layer": "application",
        "phase": "foundational", "account": ACCOUNT, "region": REGION,
        "principal": {"arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/ml-app/i-0abc", "type": "AssumedRole"},
        "resources": [], "first_seen": now, "last_seen": now, "event_ids": ["e-1"], "evidence": {},
        "techniques": ["AML.T0040"], "playbook": "revoke-principal",
    }
    return {**doc, **over}


@pytest.fixture
def responder(monkeypatch: pytest.MonkeyPatch) -> Iterator[Factory]:
    """``responder(config=..., mode=...)`` opens an emulated account with the playbooks deployed."""
    opened: list[ResponseAccount] = []
    with mock_aws(config=MOTO_CONFIG):

        def make(config: AidrConfig | None = None, **kwargs: Any) -> ResponseAccount:
            acct = ResponseAccount(config, **kwargs)
            acct.__enter__()
            opened.append(acct)
            return acct

        try:
            yield make
        finally:
            for acct in reversed(opened):
                acct.__exit__(None, None, None)


def role(acct: ResponseAccount, name: str = "ml-app", path: str = "/") -> str:
    iam = acct.harness.client("iam")
    return str(iam.create_role(RoleName=name, Path=path, AssumeRolePolicyDocument="{}")["Role"]["Arn"])


def inline_policies(acct: ResponseAccount, name: str = "ml-app") -> list[str]:
    return sorted(acct.harness.client("iam").list_role_policies(RoleName=name)["PolicyNames"])
