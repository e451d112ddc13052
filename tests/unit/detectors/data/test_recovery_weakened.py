"""s3.ai_data_recovery_weakened: versioning and lifecycle shapes, scope, trust."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from aidr.config import AidrConfig
from aidr.detectors.data.recovery_weakened import lifecycle_problems, versioning_problems
from aidr.findings.model import Finding
from aidr_cli.pipeline import run_records
from aidr_cli.template import load_router

from tests.conftest import FIXTURES, load_json

DETECTOR = "s3.ai_data_recovery_weakened"
ROUTER = load_router()
PROTECTED = AidrConfig(protected_data_buckets=["ml-training-data-prod", "kb-source-*"])


def _case(name: str) -> dict[str, Any]:
    [rec] = load_json(FIXTURES / DETECTOR / "positive" / f"{name}.json")["records"]
    return copy.deepcopy(rec)


def _run(records: list[dict[str, Any]], config: AidrConfig = PROTECTED) -> list[Finding]:
    findings, _ = run_records(records, config, ROUTER)
    return [f for f in findings if f.detector == DETECTOR]


@pytest.mark.parametrize(("config", "expected"), [
    ({"Status": "Suspended"}, ["versioning suspended"]),
    ({"status": "Suspended", "MfaDelete": "Disabled"}, ["versioning suspended", "MFA delete disabled"]),
    ({"Status": "Enabled"}, []),
    ("HIDDEN_DUE_TO_SECURITY_REASONS", []),
    (None, []),
])
def test_versioning_problems(config: Any, expected: list[str]) -> None:
    got = versioning_problems({"VersioningConfiguration": config})
    assert [p.split(":")[0] for p in got] == expected


def test_lifecycle_rules_as_object_or_list_and_only_enabled_expiry() -> None:
    one = {"Rule": {"ID": "a", "Status": "Enabled", "Expiration": {"Days": 3}}}
    assert lifecycle_problems({"LifecycleConfiguration": one}) == ["rule 'a' expires objects after 3 day(s)"]
    many = {"Rule": [{"ID": "b", "Status": "Disabled", "Expiration": {"Days": 1}},
                     {"ID": "c", "Status": "Enabled", "Transition": {"Days": 30, "StorageClass": "GLACIER"}},
                     {"ID": "d", "Status": "Enabled", "NoncurrentVersionExpiration": {"NoncurrentDays": 2}},
                     {"ID": "e", "Status": "Enabled", "Expiration": {"Date": "2026-04-01T00:00:00Z"}}]}
    assert lifecycle_problems({"LifecycleConfiguration": many}) == [
        "rule 'd' expires previous versions after 2 day(s)", "rule 'e' expires objects on a date"]
    assert lifecycle_problems({"LifecycleConfiguration": "HIDDEN_DUE_TO_SECURITY_REASONS"}) == []


def test_learned_bucket_is_low_and_trusted_principal_one_step_lower() -> None:
    rec = _case("versioning_suspended_on_protected_bucket")
    assert [f.severity for f in _run([rec])] == ["medium"]
    trusted = AidrConfig(protected_data_buckets=["kb-source-*"],
                         trusted_principals=["arn:aws:iam::111122223333:user/dev-rkumar"])
    assert [f.severity for f in _run([rec], trusted)] == ["low"]
    assert _run([rec], AidrConfig()) == []  # a bucket aidr does not know as AI data


def test_aws_service_changes_are_skipped() -> None:
    rec = _case("lifecycle_expires_training_data")
    rec["userIdentity"] = {"type": "AWSService", "invokedBy": "backup.amazonaws.com"}
    assert _run([rec]) == []
