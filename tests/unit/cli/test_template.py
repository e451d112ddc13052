"""Reading template.yaml for replay: short-form tags, conditions, and parameter values inside patterns."""

from __future__ import annotations

import pytest
from aidr.errors import TemplateError
from aidr_cli.template import load_router, routes_from_template

FN = {"Type": "AWS::Serverless::Function", "Properties": {}}


def _template(pattern: dict, **extra: object) -> dict:
    return {"Parameters": {"Bucket": {"Type": "String", "Default": ""}},
            "Resources": {"Fn": FN, "Rule": {"Type": "AWS::Events::Rule", "Properties": {
                "EventPattern": pattern, "Targets": [{"Id": "t", "Arn": {"Fn::GetAtt": ["Fn", "Arn"]}}], **extra}}}}


def test_parameter_refs_in_a_pattern_take_the_parameter_value() -> None:
    t = _template({"detail": {"bucket": {"name": [{"Ref": "Bucket"}]}}})
    (route,) = routes_from_template(t, {"Bucket": "ml-logs"})
    assert route.pattern == {"detail": {"bucket": {"name": ["ml-logs"]}}}
    assert route.matcher({"detail": {"bucket": {"name": "ml-logs"}}})


@pytest.mark.parametrize("value", [{"Ref": "NotAParameter"}, {"Fn::Sub": "${Bucket}-x"}])
def test_what_replay_cannot_evaluate_in_a_pattern_is_named(value: object) -> None:
    with pytest.raises(TemplateError, match="Rule"):
        routes_from_template(_template({"detail": {"name": [value]}}))


def test_the_shipped_template_routes_with_any_bucket_parameter() -> None:
    rules = {r.rule for r in load_router(None, {"InvocationLogBucketName": "ml-logs"}).routes}
    assert "InvocationLogObjectRule" in rules
    assert "InvocationLogObjectRule" not in {r.rule for r in load_router(None, {}).routes}
