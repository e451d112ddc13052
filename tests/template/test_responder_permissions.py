"""PlaybookStepFunction may do exactly what the containment actions and guards declare: nothing missing (a playbook
would fail in AWS while passing under moto, which does not check IAM) and nothing left over."""

from __future__ import annotations

from typing import Any

from aidr.playbooks import PLAYBOOKS
from aidr.playbooks.permissions import responder_permissions

from tests.template.cfn import props, statements

CONTAINMENT_SERVICES = ("iam", "s3", "sagemaker", "bedrock", "kms")


def test_responder_permissions_are_exactly_what_the_registry_declares(template: dict[str, Any]) -> None:
    granted = {a for s in statements(template) if s.resource == "PlaybookStepFunction" and s.body["Effect"] == "Allow"
               for a in s.listed("Action") if a.split(":", 1)[0] in CONTAINMENT_SERVICES}
    assert granted == set(responder_permissions())


def test_responder_writes_are_scoped_to_this_account(template: dict[str, Any]) -> None:
    for s in statements(template):
        if s.resource != "PlaybookStepFunction" or not any(a.split(":")[0] in CONTAINMENT_SERVICES
                                                           for a in s.listed("Action")):
            continue
        for r in s.listed("Resource"):
            text = r if isinstance(r, str) else r.get("Fn::Sub", "")
            assert r == "*" or "${AWS::AccountId}" in text or text.startswith("arn:${AWS::Partition}:s3:::"), s.sid


def test_customer_keys_are_used_only_through_sagemaker_for_an_endpoint(template: dict[str, Any]) -> None:
    """The responder touches customer KMS keys only so that SageMaker can recreate an encrypted endpoint (undo)."""
    kms = {s.sid: s.body for s in statements(template) if s.resource == "PlaybookStepFunction"
           and any(a.startswith("kms:") for a in s.listed("Action"))}
    assert set(kms) == {"RecreateEncryptedEndpoints", "DescribeEndpointKeys"}
    via = {"kms:ViaService": {"Fn::Sub": "sagemaker.${AWS::Region}.amazonaws.com"}}
    assert kms["RecreateEncryptedEndpoints"]["Action"] == "kms:CreateGrant"
    assert kms["RecreateEncryptedEndpoints"]["Condition"] == {"StringEquals": via,
                                                             "Bool": {"kms:GrantIsForAWSResource": "true"}}
    assert kms["DescribeEndpointKeys"]["Action"] == "kms:DescribeKey"
    assert kms["DescribeEndpointKeys"]["Condition"] == {"StringEquals": via}


def test_one_state_machine_per_playbook_named_as_the_start_function_expects(template: dict[str, Any]) -> None:
    machines = {lid: props(r) for lid, r in template["Resources"].items()
                if r["Type"] == "AWS::Serverless::StateMachine"}
    by_uri = {p["DefinitionUri"]: p for p in machines.values()}
    assert set(by_uri) == {f"statemachines/{p}.asl.json" for p in PLAYBOOKS}
    for playbook in PLAYBOOKS:
        p = by_uri[f"statemachines/{playbook}.asl.json"]
        assert p["Name"] == {"Fn::Sub": f"${{AWS::StackName}}-{playbook}"}
        assert p["Tracing"] == {"Enabled": True} and p["Logging"]["Destinations"]
    for lid in machines:
        assert template["Resources"][lid]["Condition"] == "IsAdvancedPhase"
    start = props(template["Resources"]["StartPlaybookFunction"])
    prefix = start["Environment"]["Variables"]["AIDR_STATE_MACHINE_PREFIX"]["Fn::Sub"]
    assert prefix.endswith(":stateMachine:${AWS::StackName}-")
