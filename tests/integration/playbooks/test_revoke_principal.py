"""revoke-principal under moto's Step Functions interpreter: approve, reject, timeout, auto, refusal, failure."""

from __future__ import annotations

import time

from aidr.config import AidrConfig
from aidr_cli.embedded.stepfunctions import steps

from .conftest import Factory, finding, inline_policies, role


def test_approved_run_contains_verifies_records_and_notifies(responder: Factory) -> None:
    acct = responder()
    role(acct)
    run = acct.start(finding())
    assert run is not None and run.playbook == "revoke-principal"
    approval = acct.wait_for_approval(run)
    assert approval is not None
    assert inline_policies(acct) == []  # nothing changes before the approval
    acct.decide(approval, "approved")
    done = acct.wait(run)
    assert done["status"] == "SUCCEEDED", done
    assert inline_policies(acct) == ["AWSRevokeOlderSessions", "AidrDenyBedrock"]
    names = [s["name"] for s in steps(acct.harness.history(run.arn))]
    assert names[:4] == ["Guard", "Snapshot", "Decide", "Mode"]
    assert names[-5:] == ["Verify", "Contained", "Record", "Notify", "Done"]
    kinds = [r["kind"] for r in acct.ledger().records()]
    assert kinds[0] == "playbook.started" and kinds[-1] == "playbook.finished"
    assert {"approval.requested", "approval.decided", "action.applied", "action.verified"} <= set(kinds)
    assert acct.ledger().verify() == (True, [])
    subjects = [n["subject"] for n in acct.notifications()]
    assert any("contained" in s for s in subjects)


def _outcome(acct, run) -> dict:  # type: ignore[no-untyped-def]
    import json

    done = acct.wait(run)
    return {"status": done["status"], "output": json.loads(done["output"]) if done.get("output") else None}


def test_rejected_run_changes_nothing_and_records_the_rejection(responder: Factory) -> None:
    acct = responder()
    role(acct)
    run = acct.start(finding())
    approval = acct.wait_for_approval(run)
    acct.decide(approval, "rejected", reason="false positive: load test")
    result = _outcome(acct, run)
    assert result["status"] == "SUCCEEDED"
    assert result["output"]["outcome"] == "rejected"
    assert result["output"]["approvals"] == [{"id": approval, "decision": "rejected", "by": acct.approver_arn}]
    assert inline_policies(acct) == []
    finished = [r for r in acct.ledger().records() if r["kind"] == "playbook.finished"]
    assert '"outcome":"rejected"' in finished[0]["detail"]


def test_timeout_escalates_then_applies_the_default_reject(responder: Factory) -> None:
    acct = responder(approval_timeout_max=2)  # short waits; 1s races the handler on a busy machine
    role(acct)
    run = acct.start(finding())
    result = _outcome(acct, run)
    assert result["status"] == "SUCCEEDED"
    assert result["output"]["outcome"] == "timed_out"
    assert result["output"]["approvals"][0]["decision"] == "timed_out"
    names = [s["name"] for s in steps(acct.harness.history(run.arn))]
    assert "Escalate" in names and names.index("Escalate") > names.index("RequestApproval")
    assert inline_policies(acct) == []
    kinds = [r["kind"] for r in acct.ledger().records()]
    assert "approval.requested" in kinds and "approval.escalated" in kinds


def test_timeout_with_default_approve_contains(responder: Factory) -> None:
    acct = responder(AidrConfig(approval_timeout_default="approve"), approval_timeout_max=2)
    role(acct)
    result = _outcome(acct, acct.start(finding()))
    assert result["output"]["outcome"] == "contained"
    assert inline_policies(acct) == ["AWSRevokeOlderSessions", "AidrDenyBedrock"]


def test_protected_principal_is_refused_untouched_and_notified(responder: Factory) -> None:
    acct = responder(AidrConfig(protected_principals=["arn:aws:iam::*:role/ml-app"]))
    role(acct)
    run = acct.start(finding())
    result = _outcome(acct, run)
    assert result["status"] == "FAILED"
    assert acct.harness.status(run.arn).get("error") == "aidr.Refused"
    assert inline_policies(acct) == []
    note = acct.notifications()[-1]
    assert "refused" in note["subject"]
    assert "protected" in note["message"]["error"]["cause"]
    assert not any(s["name"] == "Snapshot" for s in steps(acct.harness.history(run.arn)))


def test_aidr_own_role_and_service_linked_roles_are_refused(responder: Factory) -> None:
    acct = responder()
    role(acct, "aidr-responder-extra")
    run = acct.start(finding(principal={"arn": "arn:aws:iam::123456789012:role/aidr-responder-extra"}))
    assert _outcome(acct, run)["status"] == "FAILED"
    assert "aidr's own roles" in acct.notifications()[-1]["message"]["error"]["cause"]


def test_task_failure_is_caught_recorded_and_notified(responder: Factory) -> None:
    acct = responder()
    role(acct)
    run = acct.start(finding())
    approval = acct.wait_for_approval(run)
    acct.harness.client("iam").delete_role(RoleName="ml-app")  # gone between the approval request and contain
    acct.decide(approval, "approved")
    result = _outcome(acct, run)
    assert result["status"] == "FAILED"
    assert acct.harness.status(run.arn).get("error") == "aidr.PlaybookFailed"
    names = [s for s in steps(acct.harness.history(run.arn))]
    assert {"name": "Contain", "status": "failed"} in names
    assert names[-2:] == [{"name": "RefusedOrFailed", "status": "succeeded"}, {"name": "Failed", "status": "failed"}]
    note = acct.notifications()[-1]
    assert "FAILED" in note["subject"] and note["message"]["error"]["error"] == "ActionFailed"
    assert '"outcome":"failed"' in list(acct.ledger().records())[-1]["detail"]


def test_auto_mode_contains_at_once_then_the_rollback_undoes_it(responder: Factory) -> None:
    acct = responder(mode="auto")
    role(acct)
    iam = acct.harness.client("iam")
    iam.put_role_policy(RoleName="ml-app", PolicyName="app", PolicyDocument='{"Version":"2012-10-17","Statement":'
                        '[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}')
    run = acct.start(finding())
    result = _outcome(acct, run)
    assert result["output"]["outcome"] == "contained"
    assert result["output"]["approvals"] == []  # reversible actions: no approval asked
    assert inline_policies(acct) == ["AWSRevokeOlderSessions", "AidrDenyBedrock", "app"]
    note = acct.notifications()[-1]["message"]
    assert note["undo"]["state_machine_input"] == {"playbook": "rollback", "finding_id": "f" * 32}
    back = acct.rollback("f" * 32)
    undone = _outcome(acct, back)
    assert undone["status"] == "SUCCEEDED" and undone["output"]["outcome"] == "rolled_back"
    assert all(a["undone"] for a in undone["output"]["actions"])
    assert inline_policies(acct) == ["app"]
    assert "action.undone" in [r["kind"] for r in acct.ledger().records()]
    assert acct.ledger().verify() == (True, [])


def test_redelivered_finding_never_starts_a_second_execution(responder: Factory) -> None:
    acct = responder(mode="auto")
    role(acct)
    first = acct.start(finding())
    assert _outcome(acct, first)["output"]["outcome"] == "contained"
    again = acct.start(finding(severity="critical", event_ids=["e-1", "e-2"]))  # merged and re-published
    assert again is not None and not again.execution.started and again.arn == first.arn
    arn = acct.state_machine("revoke-principal")
    assert len(acct.harness.sfn.list_executions(stateMachineArn=arn)["executions"]) == 1


def test_notify_mode_proposes_and_changes_nothing(responder: Factory) -> None:
    acct = responder(mode="notify")
    role(acct)
    result = _outcome(acct, acct.start(finding()))
    assert result["output"]["outcome"] == "notified"
    assert [p["action"] for p in result["output"]["plan"]] == ["revoke-role-sessions", "deny-bedrock"]
    assert inline_policies(acct) == []


def test_user_principal_gets_keys_deactivated_not_deleted(responder: Factory) -> None:
    acct = responder(mode="auto")
    iam = acct.harness.client("iam")
    iam.create_user(UserName="ci-build")
    key = iam.create_access_key(UserName="ci-build")["AccessKey"]["AccessKeyId"]
    f = finding(principal={"arn": "arn:aws:iam::123456789012:user/ci-build", "type": "IAMUser",
                           "access_key_id": key})
    result = _outcome(acct, acct.start(f))
    assert result["output"]["outcome"] == "contained"
    keys = iam.list_access_keys(UserName="ci-build")["AccessKeyMetadata"]
    assert [(k["AccessKeyId"], k["Status"]) for k in keys] == [(key, "Inactive")]
    assert sorted(iam.list_user_policies(UserName="ci-build")["PolicyNames"]) == [
        "AWSRevokeOlderSessions", "AidrDenyBedrock", "AidrDisableLoginProfile"]


def test_second_finding_on_a_contained_principal_keeps_the_first_snapshot(responder: Factory) -> None:
    """The second run re-revokes (sessions may have been issued since the first cut-off) and changes nothing else;
    undo still goes back to the state before both."""
    acct = responder()
    role(acct)
    first = acct.start(finding())
    acct.decide(acct.wait_for_approval(first), "approved")
    assert _outcome(acct, first)["output"]["outcome"] == "contained"
    time.sleep(2.1)  # past the first cut-off's whole second: a later run's moment is strictly after it
    second = acct.start(finding(id="a" * 32, detector="bedrock.model_probing", category="model-probing",
                                severity="high"))
    acct.decide(acct.wait_for_approval(second), "approved")
    result = _outcome(acct, second)
    assert result["output"]["outcome"] == "contained"
    plan = {p["action"]: p["changes"] for p in result["output"]["plan"]}
    assert plan.pop("revoke-role-sessions").startswith("replace inline policy AWSRevokeOlderSessions")
    assert plan and all(c.startswith("nothing to change") for c in plan.values())
    back = _outcome(acct, acct.rollback("a" * 32))  # the later finding's rollback restores the state before both
    assert back["output"]["outcome"] == "rolled_back"
    assert inline_policies(acct) == []
    again = _outcome(acct, acct.rollback("f" * 32))  # the first finding's rollback finds nothing left to undo
    assert again["status"] == "SUCCEEDED" and again["output"]["actions"] == []
