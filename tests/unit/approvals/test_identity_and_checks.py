"""Who may decide: approvers from config, never the principal under containment (a role = any of its sessions)."""

from __future__ import annotations

import pytest
from aidr.approvals.decide import check_caller, normalise_decision
from aidr.approvals.errors import BadRequest, Forbidden, NotAuthenticated
from aidr.approvals.identity import principal_key, role_arn, same_principal
from aidr.config import AidrConfig

ACCT = "111122223333"
CFG = AidrConfig(approvers=[f"arn:aws:iam::{ACCT}:role/OnCall", f"arn:aws:sts::{ACCT}:assumed-role/SecOps/*",
                            f"arn:aws:iam::{ACCT}:user/alice", f"arn:aws:iam::{ACCT}:role/ml-pipeline"])
FINDING = {"principal": {"arn": f"arn:aws:sts::{ACCT}:assumed-role/ml-pipeline/i-0abc"}}


@pytest.mark.parametrize(("arn", "key"), [
    (f"arn:aws:sts::{ACCT}:assumed-role/OnCall/alice", (ACCT, "role", "OnCall")),
    (f"arn:aws:iam::{ACCT}:role/team/OnCall", (ACCT, "role", "OnCall")),
    (f"arn:aws:iam::{ACCT}:user/eng/alice", (ACCT, "user", "alice")),
    (f"arn:aws:sts::{ACCT}:federated-user/bob", (ACCT, "federated-user", "bob")),
    (f"arn:aws:iam::{ACCT}:root", (ACCT, "root", "root")),
    ("slack:T0AIDR:U0ALICE", None),
    ("arn:aws:s3:::bucket", None),
    ("", None),
])
def test_principal_key(arn: str, key: tuple[str, str, str] | None) -> None:
    assert principal_key(arn) == key


def test_sessions_of_a_role_are_the_role_and_accounts_differ() -> None:
    assert same_principal(f"arn:aws:iam::{ACCT}:role/p/ml", f"arn:aws:sts::{ACCT}:assumed-role/ml/x")
    assert not same_principal(f"arn:aws:iam::{ACCT}:role/ml", "arn:aws:sts::444455556666:assumed-role/ml/x")
    assert not same_principal(f"arn:aws:iam::{ACCT}:role/ml", f"arn:aws:iam::{ACCT}:user/ml")
    assert not same_principal("slack:T:U", "slack:T:U")  # only IAM principals are subjects
    assert role_arn(f"arn:aws:sts::{ACCT}:assumed-role/OnCall/alice") == f"arn:aws:iam::{ACCT}:role/OnCall"


@pytest.mark.parametrize("caller", [
    f"arn:aws:sts::{ACCT}:assumed-role/OnCall/alice",  # session of an approver role
    f"arn:aws:sts::{ACCT}:assumed-role/SecOps/bob",    # session pattern
    f"arn:aws:iam::{ACCT}:user/alice",
])
def test_approvers_pass(caller: str) -> None:
    assert check_caller(CFG, caller, FINDING, []) == caller


@pytest.mark.parametrize(("caller", "error"), [
    (None, NotAuthenticated),
    ("", NotAuthenticated),
    (f"arn:aws:sts::{ACCT}:assumed-role/Developer/mallory", Forbidden),
    ("arn:aws:sts::444455556666:assumed-role/OnCall/alice", Forbidden),       # same name, other account
    (f"arn:aws:sts::{ACCT}:assumed-role/ml-pipeline/other-session", Forbidden),  # the subject's role
])
def test_others_are_refused(caller: str | None, error: type[Exception]) -> None:
    with pytest.raises(error):
        check_caller(CFG, caller, FINDING, [])


SSO = "AWSReservedSSO_OnCall_0123abcd"
PATHED = AidrConfig(approvers=[f"arn:aws:iam::{ACCT}:role/aws-reserved/sso.amazonaws.com/{SSO}",
                               "arn:aws:iam::*:role/teams/Responder",
                               f"arn:aws:iam::{ACCT}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_*"])


@pytest.mark.parametrize(("caller", "allowed"), [
    # A session ARN never shows the role's path: the exact role it names still approves.
    (f"arn:aws:sts::{ACCT}:assumed-role/{SSO}/alice@example.com", True),
    (f"arn:aws:sts::{ACCT}:assumed-role/Responder/bob", True),  # account wildcard, exact name under a path
    ("arn:aws:sts::444455556666:assumed-role/Responder/bob", True),
    ("arn:aws:sts::444455556666:assumed-role/AWSReservedSSO_OnCall_0123abcd/eve", False),  # other account
    (f"arn:aws:sts::{ACCT}:assumed-role/AWSReservedSSO_OnCall_0123abcdX/eve", False),  # another name
    # A wildcard name under a path is not widened: the path is part of what it allows and a session hides it.
    (f"arn:aws:sts::{ACCT}:assumed-role/AWSReservedSSO_Admin_99/eve", False),
])
def test_role_patterns_with_a_path_match_sessions_of_the_role_they_name(caller: str, allowed: bool) -> None:
    if allowed:
        assert check_caller(PATHED, caller, FINDING, []) == caller
    else:
        with pytest.raises(Forbidden):
            check_caller(PATHED, caller, FINDING, [])


def test_a_plan_target_is_a_subject_too() -> None:
    plan = [{"action": "revoke-sessions", "target": f"arn:aws:iam::{ACCT}:role/OnCall"}]
    with pytest.raises(Forbidden, match="subject of this containment"):
        check_caller(CFG, f"arn:aws:sts::{ACCT}:assumed-role/OnCall/alice", {"principal": None}, plan)


@pytest.mark.parametrize(("decision", "reason", "expected"), [
    ("approve", "ok", ("approved", "ok")), ("REJECT", " multi\nline  reason ", ("rejected", "multi line reason")),
])
def test_decisions_normalise(decision: str, reason: str, expected: tuple[str, str]) -> None:
    assert normalise_decision(decision, reason) == expected


@pytest.mark.parametrize(("decision", "reason"), [("yes", "ok"), (None, "ok"), ("approve", ""), ("approve", None),
                                                  ("approve", "x" * 1001), (["approve"], "ok")])
def test_bad_decisions(decision: object, reason: object) -> None:
    with pytest.raises(BadRequest):
        normalise_decision(decision, reason)
