"""The playbook definitions and mapping: the shape every state machine keeps, the approval Task of the contract
with the approvals helper, idempotent start, and the finding -> playbook mapping."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from aidr.config import AidrConfig, PlaybookRule
from aidr.errors import GuardRefused
from aidr.playbooks import CONTAINMENT_PLAYBOOKS, PLAYBOOKS, STEPS, execution_name, select_playbook
from aidr.playbooks.resolve import ResolveContext, resolve
from aidr.playbooks.start import start_playbook
from aidr_cli.embedded.stepfunctions import definition
from moto import mock_aws

from tests.conftest import ROOT

from .conftest import finding

MACHINES = ROOT / "statemachines"


def _load(playbook: str) -> dict[str, Any]:
    return json.loads((MACHINES / f"{playbook}.asl.json").read_text(encoding="utf-8"))


def _tasks(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {n: s for n, s in doc["States"].items() if s["Type"] == "Task"}


def test_one_definition_per_playbook_id() -> None:
    assert sorted(p.name.removesuffix(".asl.json") for p in MACHINES.glob("*.asl.json")) == sorted(PLAYBOOKS)


@pytest.mark.parametrize("playbook", PLAYBOOKS)
def test_every_task_retries_throttling_and_catches_into_the_failure_path(playbook: str) -> None:
    doc = _load(playbook)
    for name, st in _tasks(doc).items():
        retried = {e for r in st["Retry"] for e in r["ErrorEquals"]}
        assert "Lambda.TooManyRequestsException" in retried, name
        assert all(r["BackoffRate"] >= 2 for r in st["Retry"]), name
        catch_all = [c for c in st["Catch"] if c["ErrorEquals"] == ["States.ALL"]]
        assert catch_all and catch_all[0]["Next"] in ("RecordFailure", "Failed"), name
        if st["Resource"] == "arn:aws:states:::lambda:invoke":
            assert st["Parameters"]["Payload"]["step"] in STEPS, name
    assert {"RecordFailure", "Failed", "Refused"} <= set(doc["States"])


@pytest.mark.parametrize("playbook", PLAYBOOKS)
def test_a_change_that_cannot_run_yet_is_retried_for_minutes(playbook: str) -> None:
    """SageMaker deletes endpoints and stops notebooks asynchronously: ActionPending (an action's ``blocked``
    change) is retried for over ten minutes, before the quick ActionFailed retrier could catch it."""
    for name, st in _tasks(_load(playbook)).items():
        errors = [r["ErrorEquals"] for r in st["Retry"]]
        if ["ActionFailed"] not in errors:
            continue
        assert errors.index(["ActionPending"]) < errors.index(["ActionFailed"]), name
        r = st["Retry"][errors.index(["ActionPending"])]
        waits, delay = [], float(r["IntervalSeconds"])
        for _ in range(r["MaxAttempts"]):
            waits.append(min(delay, r["MaxDelaySeconds"]))
            delay *= r["BackoffRate"]
        assert sum(waits) >= 600, name


@pytest.mark.parametrize("playbook", CONTAINMENT_PLAYBOOKS)
def test_containment_shape_and_the_approval_task_of_the_contract(playbook: str) -> None:
    doc = _load(playbook)
    order = [doc["StartAt"]]
    while doc["States"][order[-1]].get("Next") and len(order) < 4:
        order.append(doc["States"][order[-1]]["Next"])
    assert order == ["Guard", "Snapshot", "Decide", "Mode"]
    for name, escalation in (("RequestApproval", False), ("Escalate", True)):
        st = doc["States"][name]
        assert st["Resource"] == "arn:aws:states:::lambda:invoke.waitForTaskToken"
        assert st["TimeoutSecondsPath"] == "$.approval.timeout_seconds"
        assert st["Parameters"]["FunctionName"] == "${RequestApprovalFunctionArn}"
        payload = st["Parameters"]["Payload"]
        assert {k: payload[k] for k in ("task_token.$", "execution_arn.$", "playbook", "finding.$", "plan.$",
                                        "escalation")} == {
            "task_token.$": "$$.Task.Token", "execution_arn.$": "$$.Execution.Id", "playbook": playbook,
            "finding.$": "$.finding", "plan.$": "$.plan", "escalation": escalation}
        nexts = {c["ErrorEquals"][0]: c["Next"] for c in st["Catch"]}
        assert nexts["States.Timeout"] == ("TimeoutDefault" if escalation else "Escalate")
        assert nexts["aidr.Rejected"] == "Rejected"
    assert doc["States"]["TimeoutDefault"]["Choices"][0]["Variable"] == "$.approval.default"


def test_the_four_containment_machines_differ_only_in_their_playbook_id() -> None:
    def normal(p: str) -> str:
        doc = _load(p)
        doc.pop("Comment")
        return json.dumps(doc, sort_keys=True).replace(f'"playbook": "{p}"', '"playbook": "X"')

    assert len({normal(p) for p in CONTAINMENT_PLAYBOOKS}) == 1


def test_definition_substitutes_every_placeholder_or_fails() -> None:
    subs = {"PlaybookStepFunctionArn": "arn:fn:step", "RequestApprovalFunctionArn": "arn:fn:ask"}
    assert "${" not in definition("revoke-principal", subs)
    with pytest.raises(Exception, match="RequestApprovalFunctionArn"):
        definition("revoke-principal", {"PlaybookStepFunctionArn": "x"})


def test_real_step_functions_validation_rules_we_can_check_offline() -> None:
    # Names Step Functions accepts (1-80 of [A-Za-z0-9-_]); every Next names a state; no unreachable state.
    for p in PLAYBOOKS:
        doc = _load(p)
        states = doc["States"]
        targets = {doc["StartAt"]}
        for st in states.values():
            targets |= {st.get("Next"), st.get("Default")} - {None}
            targets |= {c["Next"] for c in st.get("Catch", []) + st.get("Choices", [])}
        assert targets == set(states), p
    assert execution_name("quarantine-bucket", "a" * 64) == ("quarantine-bucket-" + "a" * 64)[:80]


def test_mapping_defaults_by_category_and_severity_and_config_overrides() -> None:
    cfg = AidrConfig()
    assert select_playbook({"category": "model-abuse", "severity": "critical"}, cfg) == "revoke-principal"
    assert select_playbook({"category": "model-abuse", "severity": "medium"}, cfg) is None
    assert select_playbook({"category": "data-exposure", "severity": "high"}, cfg) == "quarantine-bucket"
    assert select_playbook({"category": "model-recon", "severity": "critical"}, cfg) is None
    custom = AidrConfig(playbook_rules=[PlaybookRule(category="model-recon", playbook="revoke-principal",
                                                     min_severity="medium")])
    assert select_playbook({"category": "model-recon", "severity": "medium"}, custom) == "revoke-principal"
    assert select_playbook({"category": "model-abuse", "severity": "critical"}, custom) is None  # replaces defaults
    with pytest.raises(ValueError, match="unknown playbook"):  # refused when the config is read (pydantic)
        PlaybookRule(category="model-abuse", playbook="revoke-principals")
    # and still refused at run time should a rule bypass validation
    typo = AidrConfig.model_construct(playbook_rules=[PlaybookRule.model_construct(
        category="model-abuse", playbook="revoke-principals", min_severity="high")])
    with pytest.raises(ValueError, match="unknown playbook"):
        select_playbook({"category": "model-abuse", "severity": "critical"}, typo)


def test_resolve_orders_workloads_before_principals_and_refuses_empty_findings() -> None:
    ctx = ResolveContext(AidrConfig(), "arn:aws:iam::123456789012:role/aidr-responder")
    user = finding(principal={"arn": "arn:aws:iam::123456789012:user/BedrockAPIKey-x1", "access_key_id": "ASIAX"})
    actions = [p.action for p in resolve("revoke-principal", user, ctx)]
    assert actions[0] == "deactivate-bedrock-api-keys" and "deactivate-access-keys" in actions
    assert next(p for p in resolve("revoke-principal", user, ctx) if p.action == "deactivate-access-keys").options == {}
    with pytest.raises(GuardRefused, match="names nothing"):
        resolve("quarantine-bucket", finding(), ctx)
    with pytest.raises(GuardRefused, match="no account or region"):
        resolve("revoke-principal", finding(account=None), ctx)


def test_a_quarantine_exempts_every_role_under_the_responder_stack_path() -> None:
    """A redeploy can replace the responder role (new name, same path): the quarantine it left must still let the new
    responder undo it, so the exemption is the stack's role path, not one role ARN."""
    responder = "arn:aws:iam::123456789012:role/aidr/aidr-prod/aidr-prod-PlaybookStepFunctionRole-1A2B3C"
    ctx = ResolveContext(AidrConfig(protected_principals=["arn:aws:iam::123456789012:role/break-glass"]), responder)
    bucket = finding(resources=[{"type": "AWS::S3::Bucket", "id": "arn:aws:s3:::training-data"}])
    (planned,) = resolve("quarantine-bucket", bucket, ctx)
    assert planned.options["exempt_principal_arns"] == ["arn:aws:iam::123456789012:role/aidr/aidr-prod/*",
                                                        "arn:aws:iam::123456789012:role/break-glass"]


def test_start_is_idempotent_per_finding() -> None:
    asl = json.dumps({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 30, "End": True}}})
    with mock_aws():
        sfn = boto3.client("stepfunctions", region_name="us-east-1")
        sm = sfn.create_state_machine(name="aidr-revoke-principal", definition=asl,
                                      roleArn="arn:aws:iam::123456789012:role/sfn")["stateMachineArn"]
        prefix = sm.removesuffix("revoke-principal")
        first = start_playbook(finding(), AidrConfig(), sfn_client=sfn, prefix=prefix, mode="approve")
        again = start_playbook(finding(event_ids=["e-1", "e-2"]), AidrConfig(), sfn_client=sfn, prefix=prefix,
                               mode="approve")
        low = start_playbook(finding(severity="low"), AidrConfig(), sfn_client=sfn, prefix=prefix, mode="approve")
        assert first["started"] and not again["started"] and again["duplicate"]
        assert again["execution_arn"] == first["execution_arn"]
        assert low == {"finding_id": "f" * 32, "playbook": None, "started": False}
        assert len(sfn.list_executions(stateMachineArn=sm)["executions"]) == 1


def test_sample_events_exist_for_the_playbook_functions() -> None:
    for fn in ("PlaybookStepFunction", "StartPlaybookFunction"):
        samples = list((ROOT / "events" / fn).glob("*.json"))
        assert samples, fn
        for p in samples:
            json.loads(Path(p).read_text(encoding="utf-8"))
