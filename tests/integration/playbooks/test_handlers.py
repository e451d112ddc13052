"""The thin handlers on their sample events (events/<Function>/): StartPlaybookFunction starts once per finding."""

from __future__ import annotations

from aidr_cli.embedded.lambda_seam import FakeContext, load_handler

from tests.conftest import EVENTS, load_json

from .conftest import Factory


def test_start_playbook_handler_starts_once_and_skips_findings_below_the_rules(responder: Factory) -> None:
    acct = responder(mode="notify")
    acct.state_machine("revoke-principal")
    handler = load_handler("StartPlaybookFunction")
    event = load_json(EVENTS / "StartPlaybookFunction" / "model-abuse.critical-llmjacking.json")
    first = handler(event, FakeContext("StartPlaybookFunction", "arn:aws:lambda:us-east-1:123456789012:function:x"))
    again = handler(event, FakeContext("StartPlaybookFunction", "arn:aws:lambda:us-east-1:123456789012:function:x"))
    assert first["started"] and first["playbook"] == "revoke-principal"
    # Same name: Step Functions hands back the running execution (same input) or refuses (ExecutionAlreadyExists).
    assert again["execution_arn"] == first["execution_arn"]
    sm = acct.state_machine("revoke-principal")
    assert len(acct.harness.sfn.list_executions(stateMachineArn=sm)["executions"]) == 1
    low = load_json(EVENTS / "StartPlaybookFunction" / "below-threshold.medium-model-abuse.json")
    assert handler(low, FakeContext("StartPlaybookFunction", "arn"))["started"] is False
    # The sample's finding is in account 111122223333, not the emulated one: the guard refuses (fail closed).
    done = acct.harness.wait(first["execution_arn"])
    assert (done["status"], done.get("error")) == ("FAILED", "aidr.Refused")
    assert "this responder acts in 123456789012 only" in acct.notifications()[-1]["message"]["error"]["cause"]
