"""A second finding about a principal that is already contained: its run acts with its own moment and options, while
undo keeps the state from before the first containment.

The steps run one after another in process (as the state machine calls them), with a clock the test moves: the
second finding comes an hour after the first, when the attacker may hold new sessions or another leaked key.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from aidr.actions.principal import REVOKE_POLICY, revocation_cutoff
from aidr.config import AidrConfig
from aidr.playbooks.steps import StepEnv, run_step
from aidr.state import MemoryState
from moto import mock_aws

from .conftest import ACCOUNT, REGION, finding

USER = "ci-deployer"
USER_ARN = f"arn:aws:iam::{ACCOUNT}:user/{USER}"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 5, 1, 12, 0, 0, 250_000, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def iam() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("iam", region_name=REGION)


def _env(clock: Clock, state: MemoryState) -> StepEnv:
    return StepEnv(config=AidrConfig(), state=state, clock=clock,
                   client_factory=lambda service, region: boto3.client(service, region_name=region or REGION))


def _contain(env: StepEnv, doc: dict[str, Any]) -> dict[str, Any]:
    run: dict[str, Any] = {"playbook": "revoke-principal", "mode": "approve", "finding": doc}
    for step in ("guard", "snapshot", "decide"):
        run = run_step({"step": step, "run": run}, env)
    run = run_step({"step": "contain", "run": run, "stage": "approved"}, env)
    return run_step({"step": "verify", "run": run}, env)


def _rollback(env: StepEnv, finding_id: str) -> dict[str, Any]:
    run: dict[str, Any] = {"playbook": "rollback", "finding_id": finding_id, "finding": {"id": finding_id}}
    for step in ("load", "undo", "verify_undo"):
        run = run_step({"step": step, "run": run}, env)
    return run


def _user_finding(fid: str, key: str) -> dict[str, Any]:
    return finding(id=fid, principal={"arn": USER_ARN, "type": "IAMUser", "access_key_id": key})


def _statuses(iam: Any) -> dict[str, str]:
    return {k["AccessKeyId"]: k["Status"] for k in iam.list_access_keys(UserName=USER)["AccessKeyMetadata"]}


def _changes(run: dict[str, Any], action: str) -> str:
    (entry,) = [p for p in run["plan"] if p["action"] == action]
    return str(entry["changes"])


def test_a_later_finding_revokes_the_sessions_issued_since_the_first(iam: Any) -> None:
    iam.create_user(UserName=USER)
    key = iam.create_access_key(UserName=USER)["AccessKey"]["AccessKeyId"]
    clock, state = Clock(), MemoryState()
    env = _env(clock, state)
    _contain(env, _user_finding("a" * 32, key))
    first = revocation_cutoff(iam.get_user_policy(UserName=USER, PolicyName=REVOKE_POLICY)["PolicyDocument"])
    clock.now += timedelta(hours=1)  # sessions minted in this hour are not covered by the first cut-off
    second = _contain(env, _user_finding("b" * 32, key))
    assert _changes(second, "revoke-user-sessions").startswith("replace inline policy AWSRevokeOlderSessions")
    later = revocation_cutoff(iam.get_user_policy(UserName=USER, PolicyName=REVOKE_POLICY)["PolicyDocument"])
    assert first is not None and later is not None and later >= clock.now.replace(microsecond=0) > first
    # Undo still goes back to before the first containment: no revocation policy at all.
    _rollback(env, "b" * 32)
    assert iam.list_user_policies(UserName=USER)["PolicyNames"] == []
    assert _statuses(iam) == {key: "Active"}


def _two_keys(iam: Any) -> tuple[str, str]:  # IAM allows two access keys per user
    iam.create_user(UserName=USER)
    first, second = (iam.create_access_key(UserName=USER)["AccessKey"]["AccessKeyId"] for _ in range(2))
    return first, second


def test_a_later_finding_switches_off_the_key_it_names_and_undo_restores_both(iam: Any) -> None:
    leaked, also_leaked = _two_keys(iam)
    clock, state = Clock(), MemoryState()
    env = _env(clock, state)
    _contain(env, _user_finding("a" * 32, leaked))
    assert _statuses(iam) == {leaked: "Inactive", also_leaked: "Active"}
    clock.now += timedelta(hours=1)
    second = _contain(env, _user_finding("b" * 32, also_leaked))
    assert f"deactivate access key {also_leaked}" in _changes(second, "deactivate-access-keys")
    assert _statuses(iam) == {leaked: "Inactive", also_leaked: "Inactive"}
    _rollback(env, "a" * 32)  # either finding's rollback undoes what both runs changed
    assert _statuses(iam) == {leaked: "Active", also_leaked: "Active"}


def test_undo_leaves_alone_a_key_the_run_did_not_switch_off(iam: Any) -> None:
    """The finding named one key; the owner switched the other off since: the rollback must not turn it on."""
    leaked, other = _two_keys(iam)
    env = _env(Clock(), MemoryState())
    _contain(env, _user_finding("a" * 32, leaked))
    iam.update_access_key(UserName=USER, AccessKeyId=other, Status="Inactive")
    _rollback(env, "a" * 32)
    assert _statuses(iam) == {leaked: "Active", other: "Inactive"}
