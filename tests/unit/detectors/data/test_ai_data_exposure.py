"""s3.ai_data_exposure: policy shapes, conditions, ACL forms, public access block levels, scope."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from aidr.config import AidrConfig
from aidr.findings.model import Finding
from aidr_cli.pipeline import run_records
from aidr_cli.template import load_router

from tests.conftest import FIXTURES, load_json

DETECTOR = "s3.ai_data_exposure"
ROUTER = load_router()
PROTECTED = AidrConfig(protected_data_buckets=["ml-training-data-prod", "kb-source-*"])


def _case(name: str, polarity: str = "positive") -> list[dict[str, Any]]:
    return copy.deepcopy(load_json(FIXTURES / DETECTOR / polarity / f"{name}.json")["records"])


def _run(records: list[dict[str, Any]], config: AidrConfig = PROTECTED) -> list[Finding]:
    findings, _ = run_records(records, config, ROUTER)
    return [f for f in findings if f.detector == DETECTOR]


def _policy(statements: list[dict[str, Any]], as_string: bool = False) -> dict[str, Any]:
    [rec] = _case("public_read_policy_on_protected_bucket")
    doc = {"Version": "2012-10-17", "Statement": statements}
    rec["requestParameters"]["bucketPolicy"] = json.dumps(doc) if as_string else doc
    return rec


def test_policy_given_as_a_json_string_is_read_too() -> None:
    rec = _policy([{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:*", "Resource": "*"}], True)
    assert [f.severity for f in _run([rec])] == ["critical"]


@pytest.mark.parametrize(
    ("condition", "severity"),
    [
        ({"StringEquals": {"aws:SourceVpce": "vpce-0abc"}}, None),
        ({"StringEquals": {"aws:PrincipalAccount": "111122223333"}}, None),
        ({"Bool": {"aws:SecureTransport": "true"}}, "critical"),  # transport is no scope
        ({"IpAddress": {"aws:SourceIp": "198.51.100.0/24"}}, "critical"),
    ],
)
def test_wildcard_principal_with_conditions(condition: dict[str, Any], severity: str | None) -> None:
    rec = _policy([{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                    "Resource": "arn:aws:s3:::ml-training-data-prod/*", "Condition": condition}])
    assert [f.severity for f in _run([rec])] == ([severity] if severity else [])


@pytest.mark.parametrize(
    "condition",
    [
        {"StringLike": {"aws:PrincipalOrgID": "*"}},  # wildcard value: any organisation, or none
        {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/*"}},  # any account's roles
        {"StringNotEquals": {"aws:PrincipalAccount": "999988887777"}},  # negated: everyone but one account
        {"StringEqualsIfExists": {"aws:SourceVpce": "vpce-0abc"}},  # passes for calls with no VPC endpoint
        {"ForAllValues:StringEquals": {"aws:PrincipalOrgPaths": ["o-exampleorgid/r-ab12/ou-ab12-11111111/"]}},
        {"StringEquals": {"aws:userid": "${aws:userid}"}},  # a policy variable is no fixed value
    ],
)
def test_wildcard_principal_with_conditions_that_pin_nothing(condition: dict[str, Any]) -> None:
    """S3 counts a policy as non-public only for *fixed* values of the scoping keys ("The meaning of public");
    wildcards, policy variables, negated and IfExists / ForAllValues operators match callers from anywhere."""
    rec = _policy([{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                    "Resource": "arn:aws:s3:::ml-training-data-prod/*", "Condition": condition}])
    assert [f.severity for f in _run([rec])] == ["critical"]


def test_foreign_account_by_id_and_learned_bucket_is_lower() -> None:
    rec = _policy([{"Effect": "Allow", "Principal": {"AWS": "444455556666"}, "Action": "s3:GetObject",
                    "Resource": "arn:aws:s3:::ml-training-data-prod/*"}])
    [finding] = _run([rec])
    assert finding.severity == "high" and "444455556666" in finding.evidence["problems"][0]
    # The same policy on a bucket only learned as training input is medium.
    job = copy.deepcopy(load_json(FIXTURES / "s3.training_data_tampering" / "positive" /
                                  "copy_restores_older_version_of_training_file.json")["records"][0])
    rec["requestParameters"]["bucketName"] = "churn-features-train"
    assert [f.severity for f in _run([job, rec], AidrConfig())] == ["medium"]


@pytest.mark.parametrize(
    ("settings", "severity"),
    [
        ({"BlockPublicAcls": False}, "medium"),
        ({"BlockPublicPolicy": False, "RestrictPublicBuckets": False}, "high"),
        ({"BlockPublicAcls": "false", "IgnorePublicAcls": "false", "BlockPublicPolicy": "false",
          "RestrictPublicBuckets": "false"}, "high"),
    ],
)
def test_public_access_block_weakening_levels(settings: dict[str, Any], severity: str) -> None:
    [rec] = _case("public_access_block_fully_enabled", "negative")
    rec["requestParameters"]["PublicAccessBlockConfiguration"].update(settings)
    assert [f.severity for f in _run([rec])] == [severity]


def test_account_wide_block_needs_a_known_ai_bucket() -> None:
    [rec] = _case("account_public_access_block_disabled")
    assert not _run([rec], AidrConfig())
    assert [f.severity for f in _run([rec])] == ["high"]


@pytest.mark.parametrize(
    ("params", "public"),
    [
        ({"acl": "", "x-amz-acl": "public-read"}, True),
        ({"acl": "", "x-amz-acl": ["authenticated-read"]}, True),
        ({"acl": "", "x-amz-grant-read": 'uri="http://acs.amazonaws.com/groups/global/AllUsers"'}, True),
        ({"acl": "", "x-amz-acl": ["bucket-owner-full-control"]}, False),
    ],
)
def test_acl_forms(params: dict[str, Any], public: bool) -> None:
    [rec] = _case("private_canned_acl", "negative")
    rec["requestParameters"] = {"bucketName": "ml-training-data-prod", **params}
    assert bool(_run([rec])) is public


def test_trusted_principal_lowers_and_deleting_a_policy_is_low() -> None:
    [rec] = _case("public_read_policy_on_protected_bucket")
    trusted = AidrConfig(protected_data_buckets=["ml-training-data-prod"],
                         trusted_principals=["arn:aws:sts::111122223333:assumed-role/platform-admin/*"])
    assert [f.severity for f in _run([rec], trusted)] == ["high"]
    rec["eventName"] = "DeleteBucketPolicy"
    rec["requestParameters"] = {"bucketName": "ml-training-data-prod", "policy": ""}
    assert [f.severity for f in _run([rec])] == ["low"]


def test_object_written_with_a_public_acl() -> None:
    """PutObject / CopyObject take x-amz-acl and x-amz-grant-* too (BlockPublicAcls: "PUT Object calls fail if the
    request includes a public ACL"); ``aws s3 cp s3://b/k s3://b/k --acl public-read`` opens an object in place."""
    [put] = copy.deepcopy(load_json(FIXTURES / "s3.training_data_tampering" / "positive" /
                                    "put_object_protected_bucket.json")["records"])
    assert not _run([put])
    put["requestParameters"]["x-amz-acl"] = "public-read"
    [finding] = _run([put])
    assert finding.severity == "critical" and finding.evidence["problems"] == ["canned ACL public-read"]
    copy_rec = copy.deepcopy(put)
    copy_rec["eventName"] = "CopyObject"
    copy_rec["requestParameters"].update({"x-amz-acl": ["bucket-owner-full-control"],
                                          "x-amz-copy-source": "ml-training-data-prod/curated/2026-03/labels.jsonl"})
    assert not _run([copy_rec])
    copy_rec["requestParameters"]["x-amz-grant-read"] = 'uri="http://acs.amazonaws.com/groups/global/AllUsers"'
    assert [f.severity for f in _run([copy_rec])] == ["critical"]


def test_public_access_block_settings_left_out_are_off() -> None:
    """PutPublicAccessBlock replaces the whole configuration: a setting the request leaves out is false afterwards
    (moto's S3 emulation does the same)."""
    [rec] = _case("public_access_block_fully_enabled", "negative")
    rec["requestParameters"]["PublicAccessBlockConfiguration"] = {"xmlns": "http://s3.amazonaws.com/doc/2006-03-01/",
                                                                  "BlockPublicAcls": True}
    [finding] = _run([rec])
    assert finding.severity == "high"
    assert "IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets off" in finding.evidence["problems"][0]


@pytest.mark.parametrize("destination", [
    {"Bucket": "arn:aws:s3:::datasets-mirror-7731", "Account": "444455556666"},
    {"bucket": "arn:aws:s3:::datasets-mirror-7731", "account": "444455556666"},  # lower-case keys
])
def test_replication_to_another_account_in_either_rule_shape(destination: dict[str, Any]) -> None:
    [rec] = _case("replication_to_foreign_account")
    rules = [{"ID": "keep", "Status": "Enabled", "Destination": {"Bucket": "arn:aws:s3:::own-dr"}},
             {"ID": "out", "Status": "Enabled", "Destination": destination}]
    rec["requestParameters"]["ReplicationConfiguration"] = {"Role": "arn:aws:iam::111122223333:role/r", "Rule": rules}
    [finding] = _run([rec])
    assert finding.evidence["problems"] == ["replicates new objects to datasets-mirror-7731 in account 444455556666"]


def test_replication_config_redacted_or_missing_is_quiet() -> None:
    [rec] = _case("replication_to_foreign_account")
    rec["requestParameters"]["ReplicationConfiguration"] = "HIDDEN_DUE_TO_SECURITY_REASONS"
    assert _run([rec]) == []
    del rec["requestParameters"]["ReplicationConfiguration"]
    assert _run([rec]) == []
