"""iam.ai_privilege_escalation beyond its fixtures: chains in any order, context, tempering, policy versions."""

from __future__ import annotations

import copy
import itertools
import json
from typing import Any

import pytest
from aidr.config import AidrConfig
from aidr.findings.model import Finding
from aidr_cli.pipeline import run_records
from aidr_cli.template import load_router

from tests.conftest import FIXTURES, load_json

DETECTOR = "iam.ai_privilege_escalation"
ROUTER = load_router()


def _records(case: str, polarity: str = "positive") -> list[dict[str, Any]]:
    return copy.deepcopy(load_json(FIXTURES / DETECTOR / polarity / f"{case}.json")["records"])


def _run(records: list[dict[str, Any]], config: AidrConfig | None = None) -> list[Finding]:
    findings, _ = run_records(records, config, ROUTER)
    return [f for f in findings if f.detector == DETECTOR]


def _same_second(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for r in records:
        r["eventTime"] = records[0]["eventTime"]
    return records


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
def test_backdoor_user_chain_is_one_finding_in_any_arrival_order(order: tuple[int, ...]) -> None:
    # Same-second events (as CloudTrail logs them) are replayed in arrival order: every order gives one
    # critical finding carrying CreateUser, AttachUserPolicy and CreateAccessKey.
    records = _same_second(_records("new_user_with_admin_and_access_key"))
    [finding] = _run([records[i] for i in order])
    assert finding.severity == "critical"
    assert set(finding.event_ids) == {r["eventID"] for r in records}
    assert set(finding.evidence["factors"]) == {"created the same day",
                                                "access key or console password created for it"}


def test_grant_alone_is_high_and_context_a_week_later_does_not_join() -> None:
    records = _records("new_user_with_admin_and_access_key")
    grant_only = [records[1]]
    [finding] = _run(grant_only)
    assert finding.severity == "high" and finding.evidence["factors"] == []
    records[2]["eventTime"] = "2026-03-11T09:00:00Z"  # the key, a week later: a rotation, not the backdoor
    [finding] = _run(records[1:])
    assert finding.severity == "high" and records[2]["eventID"] not in finding.event_ids


def test_redelivered_events_change_nothing() -> None:
    records = _records("new_user_with_admin_and_access_key")
    [once] = _run(records)
    [twice] = _run(records + copy.deepcopy(records))
    assert once.model_dump() == twice.model_dump()


def test_trusted_granter_is_one_step_lower() -> None:
    records = _records("new_user_with_admin_and_access_key")
    config = AidrConfig(trusted_principals=["arn:aws:iam::111122223333:user/build-bot"])
    [finding] = _run(records, config)
    assert finding.severity == "high"


@pytest.mark.parametrize(("invoked_by", "severity"),
                         [("cloudformation.amazonaws.com", "low"), ("signin.amazonaws.com", "medium")])
def test_grants_made_through_cloudformation_are_one_step_lower(invoked_by: str, severity: str) -> None:
    [grant] = _records("bedrock_full_access_to_user")
    grant["userIdentity"]["invokedBy"] = invoked_by  # a console session is a human, not a template
    [finding] = _run([grant])
    assert finding.severity == severity


def test_grant_by_ec2_instance_credential_is_raised() -> None:
    [grant] = _records("bedrock_full_access_to_user")
    ident = grant["userIdentity"]
    ident["principalId"] = "AROAEXAMPLEPLATFORM:i-0abc1234def567890"
    ident["sessionContext"]["ec2RoleDelivery"] = "2.0"
    [finding] = _run([grant])
    assert finding.severity == "high"
    assert finding.evidence["factors"] == ["granted by an EC2 instance credential"]


def test_self_grant_is_raised() -> None:
    [grant] = _records("bedrock_full_access_to_user")
    grant["userIdentity"] = {"type": "IAMUser", "principalId": "AIDAEXAMPLEDEVJSMITH",
                             "arn": "arn:aws:iam::111122223333:user/dev-jsmith", "accountId": "111122223333",
                             "accessKeyId": "AKIAEXAMPLEDEVJSMITH", "userName": "dev-jsmith"}
    [finding] = _run([grant])
    assert finding.evidence["factors"] == ["granted by the grantee itself"]
    assert finding.severity == "high"


def test_backdoor_role_grant_then_foreign_trust_in_same_second() -> None:
    # The Stratus shape: AttachRolePolicy logged before CreateRole in the same second.
    trust_case = _records("sagemaker_execution_role_trust_opened")
    create = trust_case[0]
    create["requestParameters"]["assumeRolePolicyDocument"] = json.dumps(
        {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
                        "Action": "sts:AssumeRole"}]})
    create["requestParameters"]["roleName"] = "ops-backdoor"
    attach = copy.deepcopy(create)
    attach.update(eventName="AttachRolePolicy", eventID="0f3b8f0e-0000-4000-8000-00000000a771",
                  requestParameters={"roleName": "ops-backdoor",
                                     "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"})
    [alone] = _run([attach])
    assert alone.severity == "medium"
    [finding] = _run(_same_second([attach, create]))
    assert finding.severity == "high"
    assert set(finding.event_ids) == {attach["eventID"], create["eventID"]}
    assert "trusted by another account" in finding.evidence["factors"]


def test_ai_service_rights_on_an_ai_role_are_expected_but_admin_is_not() -> None:
    create, attach = _records("sagemaker_full_access_on_execution_role", "negative")
    assert not _run([create, attach])
    attach["requestParameters"]["policyArn"] = "arn:aws:iam::aws:policy/AdministratorAccess"
    [finding] = _run([create, attach])
    assert finding.severity == "medium" and finding.evidence["level"] == "admin"
    assert finding.evidence["factors"] == ["created the same day"]  # listed, but alone it raises nothing


def test_group_grant_reaches_users_who_join_later_only() -> None:
    attach, join = _records("user_joins_admin_group")
    join_first = copy.deepcopy(join)
    join_first["eventTime"] = "2026-03-04T08:00:00Z"
    findings = _run([join_first, attach])
    assert [f.evidence["grantee"] for f in findings] == ["group/ops-breakglass"]


def test_customer_policy_version_then_attach() -> None:
    [version] = _records("policy_version_grants_everything")
    attach = copy.deepcopy(version)
    attach.update(eventName="AttachUserPolicy", eventID="0f3b8f0e-0000-4000-8000-00000000a772",
                  eventTime="2026-03-04T09:05:00Z", responseElements=None,
                  requestParameters={"userName": "intern-1", "policyArn": version["requestParameters"]["policyArn"]})
    findings = {f.evidence.get("grantee", "policy"): f for f in _run([version, attach])}
    assert set(findings) == {"policy", "user/intern-1"}
    assert findings["user/intern-1"].evidence["policies"] == ["ci-deploy"]


def test_set_default_policy_version_uses_the_version_seen() -> None:
    [version] = _records("policy_version_grants_everything")
    version["requestParameters"]["setAsDefault"] = False
    assert not _run([version])
    set_default = copy.deepcopy(version)
    set_default.update(eventName="SetDefaultPolicyVersion", eventID="0f3b8f0e-0000-4000-8000-00000000a773",
                       eventTime="2026-03-04T10:00:00Z", responseElements=None,
                       requestParameters={"policyArn": version["requestParameters"]["policyArn"], "versionId": "v4"})
    [finding] = _run([version, set_default])
    assert finding.severity == "high" and finding.event_ids == [set_default["eventID"]]
    set_default["requestParameters"]["versionId"] = "v9"  # a version never seen: nothing to judge
    assert not _run([version, set_default])


@pytest.mark.parametrize(
    ("principal", "condition", "severity"),
    [
        ({"AWS": "*"}, None, "critical"),
        ({"AWS": "arn:aws:iam::444455556666:root"}, {"StringEquals": {"sts:ExternalId": "x-123"}}, "medium"),
        ({"AWS": "arn:aws:iam::444455556666:root"}, {"StringEquals": {"aws:PrincipalOrgID": "o-abc"}}, None),
        ({"AWS": "*"}, {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/ci-*"}}, None),
        # Conditions that pin nothing: anyone may assume the role.
        ({"AWS": "*"}, {"StringNotEquals": {"aws:PrincipalAccount": "999988887777"}}, "critical"),
        ({"AWS": "*"}, {"StringLike": {"aws:PrincipalOrgID": "o-*"}}, "critical"),
        ({"AWS": "*"}, {"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-abc"}}, "critical"),
    ],
)
def test_ai_role_trust_variants(principal: dict, condition: dict | None, severity: str | None) -> None:
    create, update = _records("sagemaker_execution_role_trust_opened")
    stmt: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
    if condition:
        stmt["Condition"] = condition
    update["requestParameters"]["policyDocument"] = json.dumps({"Statement": [stmt]})
    findings = _run([create, update])
    assert [f.severity for f in findings] == ([severity] if severity else [])


def test_non_ai_role_opened_to_another_account_is_low() -> None:
    _create, update = _records("sagemaker_execution_role_trust_opened")
    update["requestParameters"]["policyDocument"] = json.dumps({"Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "sts:AssumeRole"}]})
    [finding] = _run([update])  # nothing ever tied the role to SageMaker or Bedrock
    assert finding.severity == "low" and not finding.evidence["ai_role"]


def test_credentials_for_ai_service_users() -> None:
    create, key = _records("access_key_for_ai_service_user")
    config = AidrConfig(ai_resource_tags={"workload": ["genai"]})
    own = copy.deepcopy(key)
    own["userIdentity"] = {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/svc-rag-indexer",
                           "accountId": "111122223333", "userName": "svc-rag-indexer",
                           "accessKeyId": "AKIAEXAMPLERAGKEY000"}
    own["requestParameters"] = {}
    assert [f.severity for f in _run([create, own], config)] == ["low"]
    login = copy.deepcopy(key)
    login.update(eventName="CreateLoginProfile",
                 requestParameters={"userName": "svc-rag-indexer", "passwordResetRequired": True},
                 responseElements={"loginProfile": {"userName": "svc-rag-indexer", "passwordResetRequired": True}})
    assert [f.severity for f in _run([create, login], config)] == ["high"]


def test_denied_calls_record_nothing() -> None:
    records = _records("new_user_with_admin_and_access_key")
    for r in records:
        r["errorCode"] = "AccessDenied"
    assert not _run(records)
