"""GuardDuty findings in both shapes: EventBridge camelCase and boto3 PascalCase read the same."""

from __future__ import annotations

import copy
import json

from aidr.normalize.envelope import envelope_from_record
from aidr.normalize.guardduty import GuardDutyFinding, camelize

from tests.unit.detectors.guardduty.gd_records import access_key, api_call, boto3_form, eventbridge, finding


def rich_finding(sample: bool = False) -> dict:
    """A finding touching the model's irregular members, maps and lists."""
    instance = {"instanceId": "i-0abc1234def567890",
                "productCodes": [{"productCodeId": "abc123", "productCodeType": "marketplace"}],
                "tags": [{"key": "workload", "value": "ml-training"}, {"key": "CostCenter", "value": "R&D"}]}
    f = finding("Backdoor:EC2/C&CActivity.B!DNS", "shapes", severity=8.0, sample=sample,
                action=api_call("GetObject", "s3.amazonaws.com"),
                resource={"resourceType": "Instance", "accessKeyDetails": access_key(), "instanceDetails": instance,
                          "s3BucketDetails": [{"name": "acme-training-data", "tags": [{"key": "Team", "value": "ML"}]}],
                          "modelDetails": [{"modelId": "anthropic.claude-3-haiku-20240307-v1:0"}]})
    f["service"]["action"]["awsApiCallAction"]["affectedResources"] = {"AWS::S3::Bucket": "acme-training-data"}
    f["service"]["detection"] = {"sequence": {"uid": "seq-1", "endpoints": [
        {"id": "ep-1", "ip": "203.0.113.50", "location": {"city": "Amsterdam", "country": "Netherlands",
                                                          "lat": 52.37, "lon": 4.89}}]}}
    return f


def test_boto3_form_reads_back_as_the_eventbridge_form() -> None:
    camel = rich_finding()
    pascal = boto3_form(copy.deepcopy(camel))
    text = json.dumps(pascal)
    assert "SchemaVersion" in pascal and '"Latitude"' in text and '"Lat"' in text and '"Code"' in text
    env = envelope_from_record(pascal)
    assert env is not None and env["source"] == "aws.guardduty" and env["detail-type"] == "GuardDuty Finding"
    # additionalInfo stays the API structure ({value, type}); everything else matches the EventBridge finding.
    assert env["detail"] == camel


def test_eventbridge_envelope_with_a_pascalcase_detail() -> None:
    env = envelope_from_record(eventbridge(boto3_form(rich_finding())))
    assert env is not None and env["detail"]["resource"]["instanceDetails"]["tags"][0] == {
        "key": "workload", "value": "ml-training"}


def test_camelcase_input_comes_back_unchanged() -> None:
    camel = rich_finding(sample=True)
    assert camelize(copy.deepcopy(camel)) == camel


def test_typed_view_over_the_pascalcase_finding() -> None:
    env = envelope_from_record(boto3_form(rich_finding()))
    assert env is not None
    f = GuardDutyFinding(env["detail"])
    assert f.type == "Backdoor:EC2/C&CActivity.B!DNS" and f.severity_score == 8.0
    assert ("workload", "ml-training") in f.tags() and ("Team", "ML") in f.tags()
    assert f.model_ids == ["anthropic.claude-3-haiku-20240307-v1:0"]
    assert f.api_service_name == "s3.amazonaws.com" and f.remote_ip == "203.0.113.50"
    assert f.api_call_action()["affectedResources"] == {"AWS::S3::Bucket": "acme-training-data"}
    assert not f.is_sample


def test_sample_flag_in_every_shape() -> None:
    eventbridge_sample = GuardDutyFinding(rich_finding(sample=True))
    boto3_sample = GuardDutyFinding(envelope_from_record(boto3_form(rich_finding(sample=True)))["detail"])  # type: ignore
    nested = rich_finding()
    nested["service"]["additionalInfo"] = {"sample": {"value": "true", "type": "default"}}
    assert eventbridge_sample.is_sample and boto3_sample.is_sample and GuardDutyFinding(nested).is_sample
    not_json = rich_finding()
    not_json["service"]["additionalInfo"] = {"value": '{"sample": tru', "type": "default"}
    assert not GuardDutyFinding(not_json).is_sample
