"""identity.bedrock_api_key_reactivated beyond its fixtures: aidr's containment and rollback, trust, key history."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from aidr.actions import Snapshot, Target
from aidr.actions.credentials import DeactivateBedrockApiKeys
from aidr.config import AidrConfig
from aidr.detectors.identity.bedrock_api_key_reactivated import containment_snapshot_key
from aidr.engine import Engine
from aidr.findings.model import Finding
from aidr.normalize.envelope import wrap_cloudtrail
from aidr.playbooks.snapshots import SnapshotStore
from aidr.state import MemoryState
from aidr_cli.pipeline import run_records

from tests.conftest import FIXTURES, load_json

DETECTOR = "identity.bedrock_api_key_reactivated"
ACCOUNT = "111122223333"
CONSOLE_USER, CONSOLE_KEY = "BedrockAPIKey-9k2m", "ACCAEXAMPLECRED00022"


def _records(polarity: str, case: str) -> list[dict[str, Any]]:
    return load_json(FIXTURES / DETECTOR / polarity / f"{case}.json")["records"]


def _reactivation() -> dict[str, Any]:
    [rec] = _records("positive", "console_key_user_reactivated")
    return copy.deepcopy(rec)


def _variant(rec: dict[str, Any], n: int, **changes: Any) -> dict[str, Any]:
    out = copy.deepcopy(rec)
    out["eventID"] = f"0b5d9c54-7f1e-4f0e-9f6e-3d1f2a4b5c{n:02d}"
    out.update(changes)
    return out


def _mine(records: list[dict[str, Any]], config: AidrConfig | None = None) -> list[Finding]:
    findings, _ = run_records(records, config)
    return [f for f in findings if f.detector == DETECTOR]


def _contained(state: MemoryState, user: str = CONSOLE_USER, *, rolled_back: bool = False) -> None:
    """What the revoke-principal playbook leaves in the state table after deactivate-bedrock-api-keys."""
    target = Target(type="iam-user", name=user, account=ACCOUNT)
    snap = Snapshot(action=DeactivateBedrockApiKeys.id, target=target, taken_at=datetime(2026, 3, 2, 11, tzinfo=UTC),
                    options={"credential_ids": None}, state={"statuses": {CONSOLE_KEY: "Active"}})
    store = SnapshotStore(state)
    key = store.key(snap.action, target.label)
    store.keep_first("finding-1", key, snap.model_dump(mode="json"), 1772449200.0)
    store.mark_applied(key)
    if rolled_back:
        store.mark_rolled_back(key)


def _engine(state: MemoryState, config: AidrConfig | None = None) -> Engine:
    return Engine(config or AidrConfig(), state, function="DetectIdentityFunction")


def _process(engine: Engine, *records: dict[str, Any]) -> list[Finding]:
    return [f for r in records for f in engine.process(wrap_cloudtrail(r)) if f.detector == DETECTOR]


def test_snapshot_key_is_the_one_the_playbooks_write() -> None:
    target = Target(type="iam-user", name=CONSOLE_USER, account=ACCOUNT)
    assert containment_snapshot_key(ACCOUNT, CONSOLE_USER) == SnapshotStore.key(DeactivateBedrockApiKeys.id,
                                                                                 target.label)


def test_reactivation_under_aidr_containment_is_critical() -> None:
    state = MemoryState()
    _contained(state)
    [found] = _process(_engine(state), _reactivation())
    assert found.severity == "critical" and found.playbook == "revoke-principal"
    assert found.evidence["aidr_containment"]["state"] == "in force"
    assert "aidr's containment" in found.description


def test_the_snapshot_alone_marks_a_key_as_a_bedrock_key() -> None:
    state = MemoryState()
    _contained(state, "ci-bedrock-bot")
    rec = _reactivation()
    rec["requestParameters"]["userName"] = "ci-bedrock-bot"
    [found] = _process(_engine(state), rec)
    assert found.severity == "critical"
    assert found.evidence["recognised_by"] == ["aidr containment snapshot of the user"]


def test_aidr_rollback_restoring_the_key_is_low() -> None:
    state = MemoryState()
    _contained(state, rolled_back=True)
    [found] = _process(_engine(state), _reactivation())
    assert found.severity == "low" and "rollback" in found.description


def test_trusted_caller_is_one_step_lower() -> None:
    trusted = AidrConfig(trusted_principals=[f"arn:aws:iam::{ACCOUNT}:role/platform-admin"])
    assert [f.severity for f in _mine([_reactivation()], trusted)] == ["medium"]
    state = MemoryState()
    _contained(state)
    assert [f.severity for f in _process(_engine(state, trusted), _reactivation())] == ["high"]


def test_key_last_seen_active_is_medium_and_failed_calls_change_nothing() -> None:
    create, off, on = _records("positive", "switched_off_key_reactivated_by_leaked_user")
    refused_off = _variant(off, 1, errorCode="AccessDenied", errorMessage="not authorized", responseElements=None)
    [found] = _mine([create, refused_off, on])
    assert found.severity == "medium" and found.evidence["previous_status"] == "Active"
    assert found.event_ids == [on["eventID"]]


def test_reset_of_a_switched_off_key_is_high() -> None:
    [off] = _records("negative", "key_deactivated")
    [reset] = _records("positive", "console_key_reset")
    reset = copy.deepcopy(reset)
    reset["requestParameters"]["serviceSpecificCredentialId"] = CONSOLE_KEY
    reset["responseElements"]["serviceSpecificCredential"]["serviceSpecificCredentialId"] = CONSOLE_KEY
    [found] = _mine([off, reset])
    assert found.severity == "high" and found.evidence["change"] == "reset"
    assert found.evidence["previous_change"]["by"].endswith("/sam@example.com")


def test_reset_of_another_services_credential_is_ignored() -> None:
    [reset] = _records("positive", "console_key_reset")
    reset = copy.deepcopy(reset)
    reset["responseElements"]["serviceSpecificCredential"]["serviceName"] = "codecommit.amazonaws.com"
    assert not _mine([reset])


def test_the_secret_never_reaches_the_finding() -> None:
    [reset] = _records("positive", "console_key_reset")
    reset = copy.deepcopy(reset)
    cred = reset["responseElements"]["serviceSpecificCredential"]
    cred["serviceApiKeyValue"] = "ABSKQmVkcm9ja0FQSUtleS1leGFtcGxl"
    cred["servicePassword"] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    [found] = _mine([reset])
    dumped = found.model_dump_json()
    assert "ABSK" not in dumped and "wJalr" not in dumped


def test_toggles_within_an_hour_are_one_finding_and_redelivery_adds_nothing() -> None:
    engine = _engine(MemoryState())
    on = _reactivation()
    again = _variant(on, 2, eventTime="2026-03-02T12:20:00Z")
    first = _process(engine, on, again)
    assert len({f.id for f in first}) == 1
    assert not _process(engine, on, again)
