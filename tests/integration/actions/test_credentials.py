"""deactivate-access-keys on the emulated account: keys are never deleted, late keys stay off, scope by id."""

from __future__ import annotations

import pytest
from aidr.actions import get_action
from aidr.errors import ActionFailed

from tests.integration.actions.scenarios import client, key_statuses, make_user
from tests.unit.actions.support import Recorder


def new_key(user: str) -> str:
    return str(client("iam").create_access_key(UserName=user)["AccessKey"]["AccessKeyId"])


def test_a_key_created_after_the_snapshot_is_deactivated_and_left_off_by_undo(rec: Recorder) -> None:
    user = make_user()
    first = new_key(user.name)
    action = get_action("deactivate-access-keys")(client_factory=rec)
    snap = action.snapshot(user)
    late = new_key(user.name)  # the attacker's persistence, while the playbook waited for approval
    action.apply(snap)
    assert key_statuses(user.name) == {first: "Inactive", late: "Inactive"}
    action.undo(snap)
    assert key_statuses(user.name) == {first: "Active", late: "Inactive"}
    assert action.verify_undo(snap)


def test_only_the_leaked_key_when_named(rec: Recorder) -> None:
    user = make_user()
    leaked, other = new_key(user.name), new_key(user.name)
    action = get_action("deactivate-access-keys")({"credential_ids": [leaked]}, client_factory=rec)
    snap = action.snapshot(user)
    assert action.plan(snap) == [f"deactivate access key {leaked} of {user.label}"]
    action.apply(snap)
    assert key_statuses(user.name) == {leaked: "Inactive", other: "Active"}
    assert action.verify(snap)


def test_keys_are_never_deleted(rec: Recorder) -> None:
    user = make_user()
    keys = {new_key(user.name), new_key(user.name)}
    action = get_action("deactivate-access-keys")(client_factory=rec)
    snap = action.snapshot(user)
    action.apply(snap)
    action.undo(snap)
    assert set(key_statuses(user.name)) == keys
    assert {c.operation for c in rec.calls} <= {"ListAccessKeys", "UpdateAccessKey"}


def test_a_named_key_that_is_not_the_users_fails_the_snapshot(rec: Recorder) -> None:
    user = make_user()
    new_key(user.name)
    with pytest.raises(ActionFailed, match="access key AKIAIOSFODNN7EXAMPLE not found"):
        get_action("deactivate-access-keys")({"credential_ids": ["AKIAIOSFODNN7EXAMPLE"]},
                                             client_factory=rec).snapshot(user)


def test_a_user_without_keys_has_nothing_to_do(rec: Recorder) -> None:
    action = get_action("deactivate-access-keys")(client_factory=rec)
    snap = action.snapshot(make_user())
    assert action.plan(snap) == [] and action.verify(snap) and action.verify_undo(snap)
