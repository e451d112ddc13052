"""Guards refuse what aidr must never touch, and fail closed (lookups stubbed; moto cases in tests/integration)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from aidr.actions import Target
from aidr.config import AidrConfig
from aidr.errors import GuardRefused
from aidr.guards import check_target

from tests.unit.actions.support import stubbed

A, OTHER, REGION = "111122223333", "444455556666", "us-east-1"
OWN = ["aidr-*"]
CONFIG = AidrConfig(protected_principals=[f"arn:aws:iam::{A}:role/break-glass-*",
                                          f"arn:aws:sts::{A}:assumed-role/SecurityAudit/*"])


def no_lookups(service: str, region: str | None) -> Any:
    raise AssertionError(f"refused targets must not need a {service} lookup")


@pytest.mark.parametrize(("target", "reason"), [
    (f"arn:aws:iam::{A}:root", "root user"),
    (f"arn:aws:sts::{A}:root", "root user"),
    (f"arn:aws:iam::{OTHER}:role/ml-pipeline", f"outside the finding's account {A}"),
    (f"arn:aws:sagemaker:eu-west-1:{A}:endpoint/fraud-scoring", f"outside the finding's region {REGION}"),
    (f"arn:aws:iam::{A}:role/aws-service-role/sagemaker.amazonaws.com/AWSServiceRoleForSageMaker",
     "service-linked role"),
    (f"arn:aws:iam::{A}:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Admin_0123456789abcdef",
     "Identity Center role"),
    (f"arn:aws:sts::{A}:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/jane@example.com",
     "Identity Center role"),
    (f"arn:aws:sts::{A}:assumed-role/aidr-responder/playbook-run", "aidr's own roles"),
    (f"arn:aws:lambda:{REGION}:{A}:function:f", "not a target aidr can contain"),
    (Target(type="iam-role", name="aidr-detect-bedrock", account=A, path="/"), "aidr's own roles"),
])
def test_refused_before_any_lookup(target: Any, reason: str) -> None:
    with pytest.raises(GuardRefused, match=reason):
        check_target(target, A, REGION, CONFIG, OWN, client_factory=no_lookups)


@pytest.mark.parametrize(("account", "region"), [(None, REGION), (A, None), ("", "")])
def test_a_finding_without_scope_is_refused(account: Any, region: Any) -> None:
    with pytest.raises(GuardRefused, match="scope is unknown"):
        check_target(f"arn:aws:iam::{A}:role/ml-pipeline", account, region, CONFIG, OWN, client_factory=no_lookups)


@pytest.fixture
def iam() -> Iterator[tuple[Any, Any]]:
    client, stub, _ = stubbed("iam")
    with stub:
        yield client, stub
        stub.assert_no_pending_responses()


def role(name: str, path: str) -> dict[str, Any]:
    return {"Role": {"Path": path, "RoleName": name, "RoleId": "AROAEXAMPLEEXAMPLE123",
                     "Arn": f"arn:aws:iam::{A}:role{path}{name}", "CreateDate": datetime(2024, 1, 1, tzinfo=UTC),
                     "AssumeRolePolicyDocument": "{}"}}


def test_a_lookup_error_refuses_fail_closed(iam: tuple[Any, Any]) -> None:
    client, stub = iam
    stub.add_client_error("get_role", "Throttling", "Rate exceeded", 400)
    with pytest.raises(GuardRefused, match=r"refused because a guard check failed: ClientError.*Throttling"):
        check_target(f"arn:aws:iam::{A}:role/ml-pipeline", A, REGION, CONFIG, OWN,
                     client_factory=lambda s, r: client)


def test_a_session_whose_role_turns_out_service_linked_is_refused(iam: tuple[Any, Any]) -> None:
    client, stub = iam
    stub.add_response("get_role", role("AWSServiceRoleForSageMaker", "/aws-service-role/sagemaker.amazonaws.com/"),
                      {"RoleName": "AWSServiceRoleForSageMaker"})
    with pytest.raises(GuardRefused, match="service-linked role"):
        check_target(f"arn:aws:sts::{A}:assumed-role/AWSServiceRoleForSageMaker/SageMaker", A, REGION, CONFIG, OWN,
                     client_factory=lambda s, r: client)


def test_a_protected_session_is_refused_by_its_session_arn(iam: tuple[Any, Any]) -> None:
    client, stub = iam
    stub.add_response("get_role", role("SecurityAudit", "/"), {"RoleName": "SecurityAudit"})
    with pytest.raises(GuardRefused, match=r"protected .*SecurityAudit/\*"):
        check_target(f"arn:aws:sts::{A}:assumed-role/SecurityAudit/auditor", A, REGION, CONFIG, OWN,
                     client_factory=lambda s, r: client)


def test_a_protected_role_is_refused_by_its_real_path(iam: tuple[Any, Any]) -> None:
    client, stub = iam
    stub.add_response("get_role", role("break-glass-admin", "/"), {"RoleName": "break-glass-admin"})
    with pytest.raises(GuardRefused, match="break-glass-\\*"):
        check_target(f"arn:aws:sts::{A}:assumed-role/break-glass-admin/oncall", A, REGION, CONFIG, OWN,
                     client_factory=lambda s, r: client)


def test_a_session_resolves_to_its_role_with_path(iam: tuple[Any, Any]) -> None:
    client, stub = iam
    stub.add_response("get_role", role("ml-pipeline", "/service/"), {"RoleName": "ml-pipeline"})
    got = check_target(f"arn:aws:sts::{A}:assumed-role/ml-pipeline/i-0abc", A, REGION, CONFIG, OWN,
                       client_factory=lambda s, r: client)
    assert got.arn == f"arn:aws:iam::{A}:role/service/ml-pipeline"


@pytest.fixture
def s3() -> Iterator[tuple[Any, Any]]:
    client, stub, _ = stubbed("s3")
    with stub:
        yield client, stub
        stub.assert_no_pending_responses()


def test_a_bucket_owned_by_another_account_is_refused(s3: tuple[Any, Any]) -> None:
    client, stub = s3
    stub.add_client_error("get_bucket_location", "AccessDenied", "Access Denied", 403,
                          expected_params={"Bucket": "training-data", "ExpectedBucketOwner": A})
    with pytest.raises(GuardRefused, match="AccessDenied"):
        check_target("arn:aws:s3:::training-data", A, REGION, CONFIG, OWN, client_factory=lambda s, r: client)


@pytest.mark.parametrize(("constraint", "region", "ok"), [
    (None, "us-east-1", True), ("EU", "eu-west-1", True), ("eu-central-1", "eu-central-1", True),
    ("eu-central-1", "us-east-1", False),
])
def test_a_bucket_must_be_in_the_findings_region(s3: tuple[Any, Any], constraint: Any, region: str,
                                                 ok: bool) -> None:
    client, stub = s3
    stub.add_response("get_bucket_location", {"LocationConstraint": constraint} if constraint else {},
                      {"Bucket": "training-data", "ExpectedBucketOwner": A})
    call = lambda: check_target("arn:aws:s3:::training-data", A, region, CONFIG, OWN,  # noqa: E731
                                client_factory=lambda s, r: client)
    if ok:
        assert call().region == region
    else:
        with pytest.raises(GuardRefused, match="outside the finding's region"):
            call()
