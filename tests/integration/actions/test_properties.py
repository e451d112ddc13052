"""Property: contain -> undo restores exactly, for arbitrary prior states (including none).

- quarantine-bucket -> undo: bucket policy, public-access-block and tags;
- revoke-role-sessions / deny-bedrock -> undo: the role's inline policies (names and documents), including a
  pre-existing policy under the action's own name.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from aidr.actions import get_action
from aidr.actions.bucket import PAB_KEYS, QUARANTINE_SID, QUARANTINE_TAG
from aidr.actions.principal import DENY_BEDROCK_POLICY, REVOKE_POLICY, revoke_document
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws

from tests.integration.actions.scenarios import (
    BREAK_GLASS,
    RESPONDER,
    bucket_state,
    inline_policies,
    make_bucket,
    make_role,
)
from tests.unit.actions.support import ACCOUNT, Recorder

# One emulated account for all examples (set-up per example would dominate); each example gets fresh names.
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
_names = itertools.count()

SAFE = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_.:/=+@ ", min_size=0, max_size=20)
PRINCIPALS = st.sampled_from([f"arn:aws:iam::{ACCOUNT}:role/{r}" for r in ("trainer", "etl", "analyst")])


@pytest.fixture(scope="module")
def account() -> Iterator[None]:
    with mock_aws():
        yield


def bucket_statement(bucket: str) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({
        "Effect": st.sampled_from(["Allow", "Deny"]),
        "Principal": st.one_of(st.just("*"), st.builds(lambda p: {"AWS": p}, PRINCIPALS)),
        "Action": st.one_of(st.sampled_from(["s3:GetObject", "s3:PutObject", "s3:*"]),
                            st.lists(st.sampled_from(["s3:GetObject", "s3:ListBucket"]), min_size=1, unique=True)),
        "Resource": st.sampled_from([f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]),
    }, optional={"Sid": st.sampled_from(["ReadOnly", "Writers", QUARANTINE_SID])})


@st.composite
def bucket_prior(draw: st.DrawFn) -> dict[str, Any]:
    name = f"prop-bucket-{next(_names):05d}"
    statements = draw(st.lists(bucket_statement(name), max_size=4))
    policy = None
    if statements:
        one = len(statements) == 1 and draw(st.booleans())  # a single statement may be an object, not a list
        policy = {"Version": "2012-10-17", "Statement": statements[0] if one else statements}
    pab = draw(st.none() | st.dictionaries(st.sampled_from(PAB_KEYS), st.booleans(), min_size=1))
    keys = st.sampled_from(["team", "cost-center", "env", "data-class", QUARANTINE_TAG])
    tags = draw(st.lists(st.tuples(keys, SAFE), max_size=5, unique_by=lambda kv: kv[0]))
    return {"name": name, "policy": policy, "pab": pab, "tags": [{"Key": k, "Value": v} for k, v in tags]}


@SETTINGS
@given(prior=bucket_prior())
def test_quarantine_then_undo_restores_the_bucket_exactly(account: None, prior: dict[str, Any]) -> None:
    bucket = make_bucket(prior["name"], policy=prior["policy"], tags=prior["tags"], pab=prior["pab"])
    before = bucket_state(bucket.name)
    action = get_action("quarantine-bucket")({"exempt_principal_arns": [RESPONDER, BREAK_GLASS]},
                                             client_factory=Recorder())
    snap = action.snapshot(bucket)
    action.apply(snap)
    assert action.verify(snap)
    action.undo(snap)
    assert action.verify_undo(snap)
    assert bucket_state(bucket.name) == before


def role_document() -> st.SearchStrategy[dict[str, Any]]:
    allow = st.fixed_dictionaries({
        "Effect": st.sampled_from(["Allow", "Deny"]),
        "Action": st.lists(st.sampled_from(["s3:GetObject", "bedrock:InvokeModel", "sagemaker:*", "*"]),
                           min_size=1, unique=True),
        "Resource": st.just("*"),
    })
    revoke = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1)).map(
        lambda d: revoke_document(d.replace(microsecond=0, tzinfo=UTC)))
    return revoke | st.builds(lambda s: {"Version": "2012-10-17", "Statement": s}, st.lists(allow, min_size=1,
                                                                                             max_size=3))


@st.composite
def role_prior(draw: st.DrawFn) -> dict[str, Any]:
    names = st.sampled_from([REVOKE_POLICY, DENY_BEDROCK_POLICY, "ReadTrainingData", "InvokeModels"])
    return {"name": f"prop-role-{next(_names):05d}",
            "policies": draw(st.dictionaries(names, role_document(), max_size=4))}


@SETTINGS
@given(prior=role_prior(), action_id=st.sampled_from(["revoke-role-sessions", "deny-bedrock"]))
def test_contain_then_undo_restores_the_roles_inline_policies_exactly(account: None, prior: dict[str, Any],
                                                                       action_id: str) -> None:
    role = make_role(prior["name"], policies=prior["policies"])
    before = inline_policies(role)
    assert before == prior["policies"]
    action = get_action(action_id)(client_factory=Recorder())
    snap = action.snapshot(role)
    action.apply(snap)
    assert action.verify(snap)
    action.undo(snap)
    assert action.verify_undo(snap)
    assert inline_policies(role) == before
