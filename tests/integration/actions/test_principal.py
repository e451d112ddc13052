"""Principal actions on the emulated account: revocation cut-off, pre-existing policies, users and their keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from aidr.actions import get_action
from aidr.actions.principal import REVOKE_POLICY, revocation_cutoff, revoke_document
from aidr.errors import ActionFailed

from tests.integration.actions.scenarios import (
    READ_DATA,
    client,
    inline_policies,
    key_statuses,
    login_profile,
    make_role,
    make_user,
)
from tests.unit.actions.support import Recorder

T0 = datetime(2025, 3, 4, 10, 0, 0, 250000, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def test_the_cutoff_is_when_apply_runs_not_when_the_snapshot_was_taken(rec: Recorder) -> None:
    role, clock = make_role(), Clock(T0)
    action = get_action("revoke-role-sessions")(client_factory=rec, clock=clock)
    snap = action.snapshot(role)
    clock.now = T0 + timedelta(minutes=42, microseconds=500000)  # approval took 42 minutes
    action.apply(snap)
    cutoff = revocation_cutoff(inline_policies(role)[REVOKE_POLICY])
    assert cutoff == datetime(2025, 3, 4, 10, 42, 1, tzinfo=UTC)
    assert action.verify(snap)


def test_revocation_leaves_other_policies_alone(rec: Recorder) -> None:
    role = make_role(policies={"ReadTrainingData": READ_DATA})
    action = get_action("revoke-role-sessions")(client_factory=rec)
    action.apply(action.snapshot(role))
    assert inline_policies(role)["ReadTrainingData"] == READ_DATA
    assert set(inline_policies(role)) == {"ReadTrainingData", REVOKE_POLICY}


def test_an_older_revocation_is_replaced_and_put_back_by_undo(rec: Recorder) -> None:
    older = revoke_document(datetime(2024, 1, 1, tzinfo=UTC))
    role = make_role(policies={REVOKE_POLICY: older})
    action = get_action("revoke-role-sessions")(client_factory=rec, clock=Clock(T0))
    snap = action.snapshot(role)
    assert snap.state == {"previous": older}
    assert action.plan(snap) == [f"replace inline policy {REVOKE_POLICY} on {role.label}: deny every request made "
                                 "with credentials issued before now"]
    action.apply(snap)
    assert revocation_cutoff(inline_policies(role)[REVOKE_POLICY]) == datetime(2025, 3, 4, 10, 0, 1, tzinfo=UTC)
    action.undo(snap)
    assert inline_policies(role) == {REVOKE_POLICY: older}


def test_a_revocation_at_or_after_the_snapshot_already_does_the_job(rec: Recorder) -> None:
    newer = revoke_document(T0 + timedelta(seconds=5))
    role = make_role(policies={REVOKE_POLICY: newer})
    action = get_action("revoke-role-sessions")(client_factory=rec, clock=Clock(T0))
    snap = action.snapshot(role)
    assert action.plan(snap) == [] and action.verify(snap)
    action.apply(snap)
    assert rec.mutations() == []


def test_revoking_a_users_sessions_does_not_touch_its_keys(rec: Recorder) -> None:
    user = make_user()
    client("iam").create_access_key(UserName=user.name)
    keys = key_statuses(user.name)
    action = get_action("revoke-user-sessions")(client_factory=rec)
    action.apply(action.snapshot(user))
    assert REVOKE_POLICY in inline_policies(user)
    assert key_statuses(user.name) == keys
    assert {c.operation for c in rec.calls} <= {"GetUserPolicy", "PutUserPolicy"}


@pytest.mark.parametrize("kind", ["role", "user"])
def test_deny_bedrock_names_the_bearer_token_action_for_roles_and_users(rec: Recorder, kind: str) -> None:
    target = make_role() if kind == "role" else make_user()
    action = get_action("deny-bedrock")(client_factory=rec)
    snap = action.snapshot(target)
    action.apply(snap)
    statement = inline_policies(target)["AidrDenyBedrock"]["Statement"][0]
    assert statement["Effect"] == "Deny"
    # API keys work on two endpoints, each with its own IAM action: both are denied.
    assert statement["Action"] == ["bedrock:*", "bedrock:CallWithBearerToken", "bedrock-mantle:*",
                                   "bedrock-mantle:CallWithBearerToken"]
    action.undo(snap)
    assert inline_policies(target) == {}


def test_disable_login_profile_keeps_the_password_and_records_it(rec: Recorder) -> None:
    user = make_user(password=True)
    action = get_action("disable-login-profile")(client_factory=rec)
    snap = action.snapshot(user)
    assert snap.state == {"previous": None, "login_profile": True, "password_reset_required": False}
    action.apply(snap)
    deny = inline_policies(user)["AidrDisableLoginProfile"]["Statement"][0]
    assert (deny["Effect"], deny["Action"], deny["Resource"]) == ("Deny", "*", "*")
    assert deny.get("Condition") is None  # new console sessions too, not only those issued before a cut-off
    assert login_profile(user.name) is False  # the password is still there, unchanged
    assert "DeleteLoginProfile" not in {c.operation for c in rec.calls}


def test_disable_login_profile_also_covers_a_password_created_later(rec: Recorder) -> None:
    user = make_user(password=False)
    action = get_action("disable-login-profile")(client_factory=rec)
    snap = action.snapshot(user)
    assert snap.state["login_profile"] is False
    assert action.plan(snap)  # the deny is put anyway


def test_a_role_action_refuses_a_user(rec: Recorder) -> None:
    with pytest.raises(ActionFailed, match="cannot act on a iam-user"):
        get_action("revoke-role-sessions")(client_factory=rec).snapshot(make_user())
