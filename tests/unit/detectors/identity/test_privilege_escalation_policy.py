"""Reading IAM policy documents: the three shapes CloudTrail uses, grant levels, principals, conditions."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest
from aidr.normalize.iam_policy import (
    grant_level,
    granted_wildcards,
    has_external_id,
    load_document,
    principals,
    restricting_conditions,
    statements,
)

DOC = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


@pytest.mark.parametrize("raw", [DOC, json.dumps(DOC), json.dumps(DOC, indent=2), quote(json.dumps(DOC))])
def test_documents_load_from_dict_json_and_url_encoded_json(raw: object) -> None:
    assert load_document(raw) == DOC


@pytest.mark.parametrize("raw", [None, "", "{not json", "[1, 2]", 42])
def test_unreadable_documents_are_none_not_errors(raw: object) -> None:
    assert load_document(raw) is None
    assert grant_level(load_document(raw)) is None


def _stmt(action: object = None, resource: object = "*", effect: str = "Allow", **extra: object) -> dict:
    s: dict = {"Effect": effect, "Resource": resource, **extra}
    if action is not None:
        s["Action"] = action
    return {"Statement": s}


@pytest.mark.parametrize(
    ("doc", "level"),
    [
        (_stmt("*"), "admin"),
        (_stmt(["s3:GetObject", "IAM:*"]), "admin"),
        (_stmt("bedrock:*"), "ai-full"),
        (_stmt("sagemaker:*", ["arn:aws:s3:::x", "*"]), "ai-full"),
        (_stmt("bedrock:*", "arn:aws:bedrock:*:*:*"), "ai-full"),
        (_stmt("bedrock:*", "arn:aws:bedrock:us-east-1:111122223333:agent/AGENT1"), None),
        (_stmt("bedrock:InvokeModel"), None),
        (_stmt("*", effect="Deny"), None),
        (_stmt(NotAction=["s3:*"]), "admin"),
        (_stmt(NotAction=["iam:*", "organizations:*"]), "ai-full"),
        (_stmt(NotAction=["iam:*", "bedrock:*", "sagemaker:*"]), None),
        (_stmt("sns:Publish"), None),
    ],
)
def test_grant_levels(doc: dict, level: str | None) -> None:
    assert grant_level(doc) == level


def test_wildcards_name_what_was_granted() -> None:
    doc = {"Statement": [{"Effect": "Allow", "Action": ["bedrock:*", "sagemaker:*"], "Resource": "*"}]}
    assert granted_wildcards(doc) == {"bedrock:*": "ai-full", "sagemaker:*": "ai-full"}


def test_principals_by_kind_and_foreign_accounts() -> None:
    doc = {"Statement": [{"Effect": "Allow", "Principal": {
        "AWS": ["444455556666", "arn:aws:iam::111122223333:role/local", "arn:aws:iam::555566667777:root"],
        "Service": "sagemaker.amazonaws.com", "Federated": "cognito-identity.amazonaws.com"}}]}
    who = principals(statements(doc)[0])
    assert not who.wildcard
    assert who.services == {"sagemaker.amazonaws.com"} and who.federated == {"cognito-identity.amazonaws.com"}
    assert who.foreign_accounts("111122223333") == {"444455556666", "555566667777"}


@pytest.mark.parametrize("principal", ["*", {"AWS": "*"}, {"AWS": ["*"]}])
def test_wildcard_principal_forms(principal: object) -> None:
    assert principals({"Principal": principal}).wildcard


def test_short_or_malformed_account_ids_are_not_foreign_accounts() -> None:
    # Anonymised test data writes the account as 9 digits; it must not look like another account.
    assert principals({"Principal": {"AWS": "000000000"}}).foreign_accounts("000000000") == set()


def test_restricting_conditions_and_external_id() -> None:
    s = {"Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc", "sts:ExternalId": "x"},
                       "Bool": {"aws:SecureTransport": "true"}}}
    assert restricting_conditions(s) == ["aws:PrincipalOrgID"]
    assert has_external_id(s)
    assert restricting_conditions({"Condition": {"Bool": {"aws:SecureTransport": "true"}}}) == []
    assert not has_external_id({})


@pytest.mark.parametrize(("condition", "pinned"), [
    ({"StringEquals": {"aws:PrincipalAccount": ["111122223333", "444455556666"]}}, True),
    ({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/app-*"}}, True),  # account fixed
    ({"StringLike": {"aws:userid": "AROAEXAMPLEROLEID:*"}}, True),  # every session of one role
    ({"ArnLike": {"aws:SourceArn": "arn:aws:bedrock:us-east-1:*:agent/*"}}, False),  # any account
    ({"StringLike": {"aws:PrincipalOrgID": "o-*"}}, False),
    ({"StringNotEquals": {"aws:PrincipalOrgID": "o-abc"}}, False),
    ({"StringEqualsIfExists": {"aws:SourceAccount": "111122223333"}}, False),
    ({"ForAllValues:StringLike": {"aws:PrincipalOrgPaths": ["o-abc/*"]}}, False),
    ({"StringEquals": {"aws:SourceAccount": "${aws:PrincipalAccount}"}}, False),
    ({"StringEquals": {"aws:SourceAccount": []}}, False),
])
def test_only_fixed_positive_tests_restrict(condition: dict[str, Any], pinned: bool) -> None:
    assert bool(restricting_conditions({"Principal": "*", "Condition": condition})) is pinned
