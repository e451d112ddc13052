"""Guards against the emulated account: lookups resolve real paths and regions; missing targets are refused."""

from __future__ import annotations

import pytest
from aidr.actions import Target
from aidr.config import AidrConfig
from aidr.errors import GuardRefused
from aidr.guards import check_target

from tests.integration.actions.scenarios import client, make_bucket, make_role, make_user
from tests.unit.actions.support import ACCOUNT, REGION, Recorder

CONFIG = AidrConfig(protected_principals=[f"arn:aws:iam::{ACCOUNT}:role/security/*"])
OWN = ["aidr-*"]


def check(target: str, rec: Recorder, region: str = REGION) -> Target:
    return check_target(target, ACCOUNT, region, CONFIG, OWN, client_factory=rec)


def test_a_role_passes_and_comes_back_with_its_path(rec: Recorder) -> None:
    make_role("ml-pipeline", path="/service/")
    got = check(f"arn:aws:sts::{ACCOUNT}:assumed-role/ml-pipeline/i-0abc", rec)
    assert got.arn == f"arn:aws:iam::{ACCOUNT}:role/service/ml-pipeline"


def test_a_protected_role_is_refused_whatever_arn_names_it(rec: Recorder) -> None:
    make_role("incident-admin", path="/security/")
    for arn in (f"arn:aws:iam::{ACCOUNT}:role/security/incident-admin",
                f"arn:aws:sts::{ACCOUNT}:assumed-role/incident-admin/jane"):
        with pytest.raises(GuardRefused, match="protected"):
            check(arn, rec)


def test_a_real_service_linked_role_is_refused(rec: Recorder) -> None:
    arn = client("iam").create_service_linked_role(AWSServiceName="sagemaker.amazonaws.com")["Role"]["Arn"]
    name = arn.rsplit("/", 1)[1]
    with pytest.raises(GuardRefused, match="service-linked role"):
        check(f"arn:aws:sts::{ACCOUNT}:assumed-role/{name}/SageMaker", rec)


def test_aidr_own_roles_are_refused_by_path_whatever_their_name(rec: Recorder) -> None:
    """CloudFormation shortens generated role names (a long stack name loses its tail), so a name pattern can
    miss; the path aidr's template gives every role cannot be shortened, and a session ARN does not show it."""
    make_role("aidr-production-eu-we-ForwardInvocationLogsF-1A2B3C4D5E6F", path="/aidr/aidr-production-eu-west-1/")
    for arn in (f"arn:aws:sts::{ACCOUNT}:assumed-role/aidr-production-eu-we-ForwardInvocationLogsF-1A2B3C4D5E6F/x",
                f"arn:aws:iam::{ACCOUNT}:role/aidr/aidr-production-eu-west-1/"
                "aidr-production-eu-we-ForwardInvocationLogsF-1A2B3C4D5E6F"):
        with pytest.raises(GuardRefused, match=r"aidr's own roles \(path /aidr/aidr-production-eu-west-1/\)"):
            check_target(arn, ACCOUNT, REGION, CONFIG, [], client_factory=rec)


def test_a_role_that_does_not_exist_is_refused(rec: Recorder) -> None:
    with pytest.raises(GuardRefused, match=r"guard check failed.*NoSuchEntity"):
        check(f"arn:aws:iam::{ACCOUNT}:role/ghost", rec)


def test_a_user_passes(rec: Recorder) -> None:
    make_user("alice")
    assert check(f"arn:aws:iam::{ACCOUNT}:user/alice", rec).name == "alice"


def test_a_bucket_passes_in_its_region_and_is_refused_elsewhere(rec: Recorder) -> None:
    make_bucket("training-data-0001")
    assert check("arn:aws:s3:::training-data-0001", rec).region == REGION
    with pytest.raises(GuardRefused, match="outside the finding's region eu-west-1"):
        check("arn:aws:s3:::training-data-0001", rec, region="eu-west-1")
    assert all(c.params.get("ExpectedBucketOwner") == ACCOUNT for c in rec.calls if c.service == "s3")


def test_guard_lookups_only_read(rec: Recorder) -> None:
    make_role("ml-pipeline")
    check(f"arn:aws:iam::{ACCOUNT}:role/ml-pipeline", rec)
    assert rec.calls and rec.mutations() == []
