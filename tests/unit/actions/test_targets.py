from __future__ import annotations

import pytest
from aidr.actions import Target

A = "111122223333"


@pytest.mark.parametrize(("arn", "type_", "name", "path", "region"), [
    (f"arn:aws:iam::{A}:role/ml-pipeline", "iam-role", "ml-pipeline", "/", None),
    (f"arn:aws:iam::{A}:role/service/team/ml-pipeline", "iam-role", "ml-pipeline", "/service/team/", None),
    (f"arn:aws:iam::{A}:role/aws-service-role/sagemaker.amazonaws.com/AWSServiceRoleForSageMaker", "iam-role",
     "AWSServiceRoleForSageMaker", "/aws-service-role/sagemaker.amazonaws.com/", None),
    (f"arn:aws:sts::{A}:assumed-role/ml-pipeline/i-0abc1234", "iam-role", "ml-pipeline", None, None),
    (f"arn:aws:iam::{A}:user/ci/ci-bot", "iam-user", "ci-bot", "/ci/", None),
    (f"arn:aws:sagemaker:eu-west-1:{A}:endpoint/fraud-scoring", "sagemaker-endpoint", "fraud-scoring", None,
     "eu-west-1"),
    (f"arn:aws:sagemaker:us-east-1:{A}:notebook-instance/research-nb", "sagemaker-notebook-instance",
     "research-nb", None, "us-east-1"),
    (f"arn:aws:sagemaker:us-east-1:{A}:model-package/fraud-models/3", "sagemaker-model-package", "fraud-models/3",
     None, "us-east-1"),
    (f"arn:aws:bedrock:us-west-2:{A}:agent-alias/AGENT12345/ALIAS67890", "bedrock-agent-alias",
     "AGENT12345/ALIAS67890", None, "us-west-2"),
])
def test_from_arn(arn: str, type_: str, name: str, path: str | None, region: str | None) -> None:
    t = Target.from_arn(arn)
    assert (t.type, t.name, t.path, t.region, t.account) == (type_, name, path, region, A)
    if not arn.startswith("arn:aws:sts"):
        assert t.arn == arn


def test_a_bucket_takes_account_and_region_from_the_finding() -> None:
    t = Target.from_arn("arn:aws:s3:::training-data", account=A, region="us-east-1")
    assert (t.type, t.name, t.account, t.region, t.arn) == ("s3-bucket", "training-data", A, "us-east-1",
                                                            "arn:aws:s3:::training-data")
    with pytest.raises(ValueError, match="no account or region"):
        Target.from_arn("arn:aws:s3:::training-data")


def test_other_partitions_are_kept() -> None:
    arn = f"arn:aws-us-gov:iam::{A}:role/ml"
    assert Target.from_arn(arn).arn == arn


@pytest.mark.parametrize(("arn", "reason"), [
    (f"arn:aws:iam::{A}:root", "root user"),
    ("ml-pipeline", "not an ARN"),
    (f"arn:aws:lambda:us-east-1:{A}:function:f", "no containment action"),
    ("arn:aws:s3:::bucket/key.txt", "no containment action"),
])
def test_unsupported_arns_are_refused(arn: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        Target.from_arn(arn, account=A, region="us-east-1")


def test_the_logging_configuration_has_no_arn() -> None:
    t = Target.logging_config(A, "us-east-1")
    assert (t.arn, t.name) == (None, f"{A}/us-east-1")
    assert "invocation logging" in t.label


def test_account_must_be_twelve_digits() -> None:
    with pytest.raises(ValueError, match="12-digit"):
        Target(type="iam-role", name="r", account="1234")
