"""template.yaml deployed into the emulated account: what it declares exists, what it skips is listed, and an
intrinsic function the emulator cannot evaluate fails naming the resource and the function."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aidr.aws import client
from aidr.errors import TemplateError
from aidr_cli.embedded.account import NOT_EMULATED, deploy
from aidr_cli.embedded.intrinsics import NO_VALUE, Resolver, Stack
from aidr_cli.embedded.runtime import Runtime, embedded_account
from aidr_cli.template import Conditions, load_template

from tests.conftest import ROOT


def _exists(kind: str, ref: Any, attrs: dict[str, Any]) -> bool:
    """Ask the emulated service for the resource, by the physical id the deployment recorded."""
    if kind == "AWS::Events::EventBus":
        return client("events").describe_event_bus(Name=ref)["Name"] == ref
    if kind == "AWS::Events::Rule":
        bus = attrs["Arn"].split("rule/", 1)[1].rsplit("/", 1)[0] if "/" in attrs["Arn"].split("rule/", 1)[1] \
            else "default"
        return client("events").describe_rule(Name=ref, EventBusName=bus)["Name"] == ref
    if kind == "AWS::DynamoDB::Table":
        return client("dynamodb").describe_table(TableName=ref)["Table"]["TableName"] == ref
    if kind == "AWS::SNS::Topic":
        return bool(client("sns").get_topic_attributes(TopicArn=ref)["Attributes"])
    if kind == "AWS::SQS::Queue":
        return bool(client("sqs").get_queue_attributes(QueueUrl=ref, AttributeNames=["QueueArn"]))
    if kind == "AWS::KMS::Key":
        return client("kms").describe_key(KeyId=ref)["KeyMetadata"]["Enabled"]
    if kind == "AWS::KMS::Alias":
        return any(a["AliasName"] == ref for a in client("kms").list_aliases()["Aliases"])
    if kind == "AWS::SSM::Parameter":
        return client("ssm").get_parameter(Name=ref)["Parameter"]["Name"] == ref
    if kind == "AWS::Serverless::Function":
        return client("lambda").get_function(FunctionName=ref)["Configuration"]["FunctionName"] == ref
    if kind in ("AWS::Serverless::StateMachine", "AWS::StepFunctions::StateMachine"):
        return client("stepfunctions").describe_state_machine(stateMachineArn=ref)["status"] == "ACTIVE"
    if kind == "AWS::IAM::ManagedPolicy":
        return client("iam").get_policy(PolicyArn=ref)["Policy"]["Arn"] == ref
    if kind == "AWS::IAM::Role":
        return client("iam").get_role(RoleName=ref)["Role"]["RoleName"] == ref
    if kind == "AWS::S3::Bucket":
        return client("s3").head_bucket(Bucket=ref)["ResponseMetadata"]["HTTPStatusCode"] == 200
    return True  # policies/subscriptions: applied to the resources above, checked where it matters


def test_every_declared_resource_is_created_or_listed_as_skipped(runtime: Runtime) -> None:
    d = runtime.deployment
    declared = set(load_template(ROOT / "template.yaml")["Resources"])
    assert declared <= set(d.created) | set(d.skipped)
    for lid, kind in d.created.items():
        assert _exists(kind, d.stack.refs[lid], d.stack.attrs.get(lid, {})), lid
    for lid, why in d.skipped.items():
        assert why, lid


def test_skipped_resources_are_of_types_not_emulated_or_conditioned_out(runtime: Runtime) -> None:
    template = load_template(ROOT / "template.yaml")["Resources"]
    for lid, why in runtime.deployment.skipped.items():
        if lid in template:
            kind = template[lid]["Type"]
            assert kind in NOT_EMULATED or why.startswith("condition "), (lid, kind, why)


def test_rules_keep_pattern_state_and_targets(runtime: Runtime) -> None:
    template = load_template(ROOT / "template.yaml")["Resources"]
    rules = {r.logical_id: r for r in runtime.deployment.rules}
    events = client("events")
    for lid, res in template.items():
        if res["Type"] != "AWS::Events::Rule" or lid not in runtime.deployment.created:
            continue
        rule = rules[lid]
        assert rule.pattern == Resolver(runtime.deployment.stack).resolve(res["Properties"]["EventPattern"], lid)
        stored = events.describe_rule(Name=rule.name, EventBusName=rule.bus)
        assert json.loads(stored["EventPattern"]) == rule.pattern
        target_arns = {t["Arn"] for t in events.list_targets_by_rule(Rule=rule.name, EventBusName=rule.bus)["Targets"]}
        assert target_arns == {t.arn for t in rule.targets}
        assert all(t.logical_id for t in rule.targets if t.kind in ("function", "state-machine")), lid


def test_functions_get_the_template_environment(runtime: Runtime) -> None:
    fn = runtime.deployment.functions["RecordFindingFunction"]
    d = runtime.deployment
    assert fn.env["AIDR_FINDINGS_TABLE"] == d.ref("FindingsTable")
    assert fn.env["AIDR_EVENT_BUS"] == d.ref("AidrEventBus")
    assert fn.env["AIDR_PHASE"] == "advanced"
    assert fn.dlq_arn == d.att("FunctionDLQ", "Arn")
    assert client("lambda").get_function_configuration(FunctionName=fn.name)["Environment"]["Variables"] == fn.env


def test_tables_follow_the_template_key_schema(runtime: Runtime) -> None:
    table = client("dynamodb").describe_table(TableName=runtime.deployment.ref("StateTable"))["Table"]
    props = load_template(ROOT / "template.yaml")["Resources"]["StateTable"]["Properties"]
    assert table["KeySchema"] == props["KeySchema"]


def _stack(template: dict[str, Any], **params: str) -> Resolver:
    return Resolver(Stack("s", "111122223333", "eu-west-1", template, Conditions.for_template(template, params),
                          refs={"Bucket": "b1"}, attrs={"Bucket": {"Arn": "arn:aws:s3:::b1"}}))


def test_intrinsics() -> None:
    template = {"Parameters": {"Env": {"Type": "String", "Default": "dev"}, "Ids": {"Type": "CommaDelimitedList",
                                                                                   "Default": "a,b"}},
                "Conditions": {"IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]}},
                "Mappings": {"Size": {"dev": {"Mem": 128}}}, "Resources": {}}
    r = _stack(template)
    assert r.resolve({"Fn::Sub": "${AWS::Region}-${Bucket}-${Bucket.Arn}-${!Literal}"}, "x") == \
        "eu-west-1-b1-arn:aws:s3:::b1-${Literal}"
    assert r.resolve({"Fn::Sub": ["${X}/${Env}", {"X": {"Ref": "Bucket"}}]}, "x") == "b1/dev"
    assert r.resolve({"A": {"Fn::If": ["IsProd", 1, {"Ref": "AWS::NoValue"}]}, "B": 2}, "x") == {"B": 2}
    assert r.resolve([{"Fn::If": ["IsProd", 1, {"Ref": "AWS::NoValue"}]}], "x") == []
    assert r.resolve({"Fn::Join": ["-", ["a", {"Ref": "Env"}]]}, "x") == "a-dev"
    assert r.resolve({"Fn::Select": [1, {"Fn::Split": [",", "x,y,z"]}]}, "x") == "y"
    assert r.resolve({"Fn::Select": [0, {"Ref": "Ids"}]}, "x") == "a"
    assert r.resolve({"Fn::FindInMap": ["Size", {"Ref": "Env"}, "Mem"]}, "x") == 128
    assert r.resolve({"Fn::GetAZs": ""}, "x")[0] == "eu-west-1a"
    assert _stack(template, Env="prod").resolve({"Fn::If": ["IsProd", "p", "d"]}, "x") == "p"
    assert r.resolve({"Ref": "AWS::NoValue"}, "x") is NO_VALUE


def test_unsupported_intrinsic_names_resource_and_function(runtime: Runtime, tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(
        "Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n    Properties:\n"
        "      QueueName: !ImportValue shared-queue-name\n", encoding="utf-8")
    with pytest.raises(TemplateError, match=r"resource Queue.*Fn::ImportValue"):
        deploy(tmp_path / "template.yaml")


def test_one_embedded_account_at_a_time(runtime: Runtime) -> None:
    with pytest.raises(RuntimeError, match="already active"), embedded_account():
        pass


def test_unknown_parameter_is_refused() -> None:
    with pytest.raises(TemplateError, match="NoSuchParameter"):
        deploy(ROOT / "template.yaml", {"NoSuchParameter": "x"})
