"""`aidr approvals ...` and `aidr audit verify` against the emulated account (the default credential chain)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aidr_cli.main import main

from tests.integration.approvals.conftest import APPROVALS_TABLE, LEDGER_TABLE, Env, request_event
from tests.integration.approvals.helpers import invoke

# moto's GetCallerIdentity answers for this user.
CLI_CALLER = "arn:aws:sts::123456789012:user/moto"


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "aidr.yaml"
    path.write_text("approvers: ['arn:aws:sts::123456789012:user/*']\n", encoding="utf-8")
    return path


@pytest.fixture
def pending(env: Env, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    monkeypatch.setattr("aidr.approvals.notify.post_json", lambda url, body: 200)
    arn, token = env.start_wait("f-cli")
    return arn, invoke("RequestApprovalFunction", request_event(arn, token))["approval_id"]


def test_list_and_show(pending: tuple[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    _, aid = pending
    assert main(["approvals", "list", "--table", APPROVALS_TABLE]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split()[:3] == ["ID", "STATUS", "PLAYBOOK"] and aid in out
    assert main(["approvals", "show", aid, "--table", APPROVALS_TABLE]) == 0
    out = capsys.readouterr().out
    assert "revoke-sessions on arn:aws:iam::111122223333:role/ml-pipeline" in out and "203.0.113.10" in out
    assert main(["approvals", "show", aid, "--table", APPROVALS_TABLE, "--json"]) == 0
    assert "task_token" not in json.loads(capsys.readouterr().out)


def test_approve_goes_through_the_same_checks(env: Env, pending: tuple[str, str], config: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    arn, aid = pending
    args = ["--table", APPROVALS_TABLE, "--ledger-table", LEDGER_TABLE, "--config", str(config)]
    assert main(["approvals", "approve", aid, "--reason", "checked with the owner", *args]) == 0
    assert f"{aid} approved by {CLI_CALLER}" in capsys.readouterr().out
    assert env.execution(arn)["status"] == "SUCCEEDED"
    assert main(["approvals", "reject", aid, "--reason", "again", *args]) == 1
    assert "already resolved" in capsys.readouterr().err
    assert main(["audit", "verify", "--table", LEDGER_TABLE]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("ledger OK: 2 records")


def test_a_non_approver_is_refused(env: Env, pending: tuple[str, str], tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    arn, aid = pending
    other = tmp_path / "other.yaml"
    other.write_text("approvers: ['arn:aws:iam::111122223333:role/OnCall']\n", encoding="utf-8")
    assert main(["approvals", "approve", aid, "--reason", "x", "--table", APPROVALS_TABLE,
                 "--config", str(other)]) == 1
    assert "is not an approver" in capsys.readouterr().err
    assert env.execution(arn, wait=False)["status"] == "RUNNING"


def test_audit_verify_exits_1_on_a_broken_chain(env: Env, pending: tuple[str, str],
                                                capsys: pytest.CaptureFixture[str]) -> None:
    env.client("dynamodb").update_item(
        TableName=LEDGER_TABLE, Key={"chain": {"S": "aidr"}, "seq": {"N": "1"}},
        UpdateExpression="SET subject = :s", ExpressionAttributeValues={":s": {"S": "forged"}})
    assert main(["audit", "verify", "--table", LEDGER_TABLE]) == 1
    out = capsys.readouterr().out
    assert "PROBLEM seq 1: hash does not match" in out and "ledger BROKEN" in out


def test_missing_table_is_a_usage_error(env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["approvals", "list"]) == 2
    assert "--table or --stack" in capsys.readouterr().err
