"""identity.bedrock_api_key_created and identity.bedrock_api_key_user_activity beyond their fixtures."""

from __future__ import annotations

import copy

from aidr.config import AidrConfig
from aidr.engine import Engine
from aidr.findings.model import Finding
from aidr.normalize.envelope import wrap_cloudtrail
from aidr.state import MemoryState
from aidr_cli.pipeline import run_records

from tests.conftest import FIXTURES, load_json

CREATED = "identity.bedrock_api_key_created"
ACTIVITY = "identity.bedrock_api_key_user_activity"


def _records(detector: str, case: str) -> list[dict]:
    return load_json(FIXTURES / detector / "positive" / f"{case}.json")["records"]


def _mine(records: list[dict], detector: str, config: AidrConfig | None = None) -> list[Finding]:
    findings, _ = run_records(records, config)
    return [f for f in findings if f.detector == detector]


def test_key_lifetime_sets_severity() -> None:
    [rec] = _records(CREATED, "thirty_day_key_from_console")
    long_lived = copy.deepcopy(rec)
    long_lived["requestParameters"]["credentialAgeDays"] = 365
    long_lived["eventID"] = "0b5d9c54-7f1e-4f0e-9f6e-3d1f2a4b5c6d"
    assert [f.severity for f in _mine([rec], CREATED)] == ["medium"]
    assert [f.severity for f in _mine([long_lived], CREATED)] == ["high"]


def test_trusted_creator_is_one_step_lower() -> None:
    records = _records(CREATED, "non_expiring_key_from_cli")
    trusted = AidrConfig(trusted_principals=["arn:aws:iam::111122223333:role/platform-admin"])
    assert [f.severity for f in _mine(records, CREATED, trusted)] == ["medium"]


def test_the_secret_never_reaches_the_finding() -> None:
    [rec] = _records(CREATED, "non_expiring_key_from_cli")
    rec = copy.deepcopy(rec)
    rec["responseElements"]["serviceSpecificCredential"]["serviceApiKeyValue"] = "ABSKQmVkcm9ja0FQSUtleS1leGFtcGxl"
    [finding] = _mine([rec], CREATED)
    assert "ABSK" not in finding.model_dump_json()


def test_key_user_activity_is_one_finding_per_hour() -> None:
    records = _records(ACTIVITY, "access_key_explores_account")
    [finding] = _mine(records, ACTIVITY)
    assert set(finding.event_ids) == {r["eventID"] for r in records}
    assert finding.evidence["services"] == ["iam", "s3", "sts"]


def test_redelivered_events_emit_nothing_new() -> None:
    engine = Engine(AidrConfig(), MemoryState(), function="DetectIdentityFunction")
    events = [wrap_cloudtrail(r) for r in _records(ACTIVITY, "access_key_explores_account")]
    first = [f for e in events for f in engine.process(e) if f.detector == ACTIVITY]
    again = [f for e in events for f in engine.process(e) if f.detector == ACTIVITY]
    assert len(first) == len(events) and not again
