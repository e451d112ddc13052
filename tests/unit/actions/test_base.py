"""The action contract: wrong targets and snapshots are refused, AWS errors become ActionFailed, waits block."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import pytest
from aidr.actions import Action, ActionOptions, Snapshot, Target, get_action
from aidr.actions.base import Part, blocked
from aidr.actions.principal import revocation_cutoff, revocation_cutoff_for, revoke_document
from aidr.errors import ActionFailed
from pydantic import BaseModel

from tests.unit.actions.support import stubbed

ROLE = Target.from_arn("arn:aws:iam::111122223333:role/ml-pipeline")
USER = Target.from_arn("arn:aws:iam::111122223333:user/alice")


def test_an_action_refuses_a_target_type_it_does_not_handle() -> None:
    with pytest.raises(ActionFailed, match="revoke-role-sessions: cannot act on a iam-user"):
        get_action("revoke-role-sessions")().snapshot(USER)


def test_an_action_refuses_another_actions_snapshot() -> None:
    snap = Snapshot(action="deny-bedrock", target=ROLE, taken_at=datetime(2024, 5, 1, tzinfo=UTC))
    with pytest.raises(ActionFailed, match="given a snapshot of 'deny-bedrock'"):
        get_action("revoke-role-sessions")().plan(snap)


def test_aws_errors_become_action_failed_naming_action_step_target_and_code() -> None:
    iam, stub, _ = stubbed("iam")
    action = get_action("deny-bedrock")(client_factory=lambda s, r: iam)
    with stub:
        stub.add_client_error("get_role_policy", "NoSuchEntity", "not found", 404)
        snap = action.snapshot(ROLE)
        stub.add_client_error("get_role_policy", "NoSuchEntity", "not found", 404)
        stub.add_client_error("put_role_policy", "AccessDenied", "not authorized to perform iam:PutRolePolicy", 403)
        with pytest.raises(ActionFailed) as err:
            action.apply(snap)
    msg = str(err.value)
    assert msg.startswith("deny-bedrock apply: add inline policy AidrDenyBedrock on arn:aws:iam::111122223333:role/")
    assert "AccessDenied: not authorized" in msg


class _Waits(Action):
    """Unregistered: a change that must wait; no undo."""

    title = "test"
    target_types = ("iam-role",)
    permissions = ("iam:GetRole",)
    reversible = False

    def _capture(self, target: Target, options: Any) -> BaseModel:
        return ActionOptions()

    def _apply_parts(self, snap: Snapshot) -> Iterable[Part]:
        return [lambda: blocked("do the thing", "the resource is busy")]

    def _undo_parts(self, snap: Snapshot) -> Iterable[Part]:
        return []


def test_a_blocked_change_is_planned_but_raises_when_run() -> None:
    action = _Waits()
    snap = action.snapshot(ROLE)
    assert action.plan(snap) == ["do the thing (waiting: the resource is busy)"]
    assert not action.verify(snap)
    with pytest.raises(ActionFailed, match="the resource is busy"):
        action.apply(snap)


def test_an_irreversible_action_refuses_undo() -> None:
    action = _Waits()
    with pytest.raises(ActionFailed, match="not reversible"):
        action.undo(action.snapshot(ROLE))


@pytest.mark.parametrize(("now", "cutoff"), [
    (datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC), "2024-05-01T12:00:00Z"),
    (datetime(2024, 5, 1, 12, 0, 0, 1, tzinfo=UTC), "2024-05-01T12:00:01Z"),
    (datetime(2024, 5, 1, 23, 59, 59, 999999, tzinfo=UTC), "2024-05-02T00:00:00Z"),
])
def test_the_revocation_cutoff_rounds_up_so_no_earlier_session_survives(now: datetime, cutoff: str) -> None:
    doc = revoke_document(revocation_cutoff_for(now))
    assert doc["Statement"][0]["Condition"]["DateLessThan"]["aws:TokenIssueTime"] == cutoff
    assert revocation_cutoff(doc) >= now  # type: ignore[operator]


@pytest.mark.parametrize("doc", [
    None,
    {"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*",
                   "Condition": {"DateLessThan": {"aws:TokenIssueTime": "2024-05-01T12:00:00Z"}}}},
    {"Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*",
                    "Condition": {"DateLessThan": {"aws:TokenIssueTime": "2024-05-01T12:00:00Z"}}}]},
    {"Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*",
                    "Condition": {"DateLessThan": {"aws:TokenIssueTime": "[policy creation time]"}}}]},
])
def test_documents_that_do_not_revoke_everything_have_no_cutoff(doc: Any) -> None:
    assert revocation_cutoff(doc) is None


def test_the_consoles_own_revocation_policy_is_recognised() -> None:
    console = {"Version": "2012-10-17", "Statement": {"Effect": "Deny", "Action": "*", "Resource": "*",
                                                      "Condition": {"DateLessThan": {
                                                          "aws:TokenIssueTime": "2014-05-07T23:47:00Z"}}}}
    assert revocation_cutoff(console) == datetime(2014, 5, 7, 23, 47, tzinfo=UTC)


def test_without_a_factory_clients_come_from_aidr_aws_with_the_session(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[tuple[str, Any, Any]] = []
    session = object()

    def fake_client(service: str, region: Any = None, session: Any = None) -> Any:
        made.append((service, region, session))
        return object()

    monkeypatch.setattr("aidr.aws.client", fake_client)
    action = get_action("quarantine-bucket")({"exempt_principal_arns": ["arn:aws:iam::111122223333:role/r"]},
                                             session=session)  # type: ignore[arg-type]
    bucket = Target.from_arn("arn:aws:s3:::b-0001", account="111122223333", region="eu-west-1")
    first = action.client("s3", bucket)
    assert action.client("s3", bucket) is first  # cached per action instance
    assert made == [("s3", "eu-west-1", session)]
