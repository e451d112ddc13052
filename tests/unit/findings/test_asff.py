"""to_asff: the documented required attributes and limits, botocore's model, and a real import into moto."""

from __future__ import annotations

import json
import re
from typing import Any

import boto3
import botocore.session
import pytest
from aidr.findings.asff import CATEGORY_TYPES, NAMESPACES, default_product_arn, product_fields, to_asff
from aidr.findings.model import Principal, Resource
from aidr.taxonomy import CATEGORIES
from botocore.validate import ParamValidator
from moto import mock_aws

from .conftest import sample_finding

_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})$")
_SEVERITY_LABELS = ("INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL")


def _text(limit: int) -> Any:
    return lambda v: isinstance(v, str) and v.strip() != "" and len(v) <= limit


# Security Hub user guide, "Required top-level ASFF attributes", with the limits of the API reference's
# AwsSecurityFinding (Title 256, Description 1024, Id/GeneratorId 512, AwsAccountId 12, Resources 1..32).
REQUIRED: dict[str, Any] = {
    "AwsAccountId": lambda v: isinstance(v, str) and re.fullmatch(r"\d{12}", v) is not None,
    "CreatedAt": lambda v: isinstance(v, str) and _TIMESTAMP.match(v) is not None,
    "Description": _text(1024),
    "GeneratorId": _text(512),
    "Id": _text(512),
    "ProductArn": lambda v: isinstance(v, str) and re.fullmatch(r"arn:[\w-]+:securityhub:[\w-]+:\d*:product/.+", v),
    "Resources": lambda v: isinstance(v, list)
    and 1 <= len(v) <= 32
    and all(isinstance(r.get("Type"), str) and r["Type"] and isinstance(r.get("Id"), str) and r["Id"] for r in v),
    "SchemaVersion": lambda v: v == "2018-10-08",
    "Severity": lambda v: isinstance(v, dict) and v.get("Label") in _SEVERITY_LABELS,
    "Title": _text(256),
    "Types": lambda v: isinstance(v, list) and v and all(isinstance(t, str) and t.count("/") <= 2 for t in v),
    "UpdatedAt": lambda v: isinstance(v, str) and _TIMESTAMP.match(v) is not None,
}

# "Types taxonomy for ASFF": the namespaces and their categories (classifiers are free).
TAXONOMY = {
    "Software and Configuration Checks": {"Vulnerabilities", "AWS Security Best Practices",
                                          "Industry and Regulatory Standards"},
    "TTPs": {"Initial Access", "Execution", "Persistence", "Privilege Escalation", "Defense Evasion",
             "Credential Access", "Discovery", "Lateral Movement", "Collection", "Command and Control"},
    "Effects": {"Data Exposure", "Data Exfiltration", "Data Destruction", "Denial of Service", "Resource Consumption"},
    "Unusual Behaviors": {"Application", "Network Flow", "IP address", "User", "VM", "Container", "Serverless",
                          "Process", "Database", "Data"},
    "Sensitive Data Identifications": {"PII", "Passwords", "Legal", "Financial", "Security", "Business"},
}


def _check_required(doc: dict[str, Any]) -> None:
    for name, valid in REQUIRED.items():
        assert name in doc, f"missing required ASFF attribute {name}"
        assert valid(doc[name]), f"{name} is invalid: {doc[name]!r}"


VARIANTS = {
    "full": {},
    "no resources, assumed-role principal": {"resources": []},
    "no resources, IAM user": {"resources": [], "principal": Principal(arn="arn:aws:iam::111122223333:user/ci-bot",
                                                                        type="IAMUser")},
    "no resources, no principal": {"resources": [], "principal": None},
    "oversized text": {"title": "T" * 400, "description": "D " * 1500},
    "informational": {"severity": "informational", "playbook": None, "techniques": []},
    "critical, govcloud": {"severity": "critical", "region": "us-gov-west-1"},
}


@pytest.mark.parametrize("overrides", VARIANTS.values(), ids=VARIANTS.keys())
def test_required_attributes_present_and_valid(overrides: dict[str, Any]) -> None:
    doc = to_asff(sample_finding(**overrides))
    _check_required(doc)
    assert json.loads(json.dumps(doc)) == doc  # plain JSON, nothing that needs a custom encoder


def test_botocore_request_model_accepts_the_document() -> None:
    model = botocore.session.get_session().get_service_model("securityhub")
    shape = model.operation_model("BatchImportFindings").input_shape
    # The documented table is a superset of what the API model marks required (it dropped Severity and Types).
    assert set(model.shape_for("AwsSecurityFinding").required_members) <= set(REQUIRED)
    docs = [to_asff(sample_finding(**o)) for o in VARIANTS.values()]
    report = ParamValidator().validate({"Findings": docs}, shape)
    assert not report.has_errors(), report.generate_report()
    broken = {**docs[0], "Resources": "not a list"}
    assert ParamValidator().validate({"Findings": [broken]}, shape).has_errors()  # the check can fail


def test_every_category_maps_to_documented_types() -> None:
    assert set(CATEGORY_TYPES) == set(CATEGORIES)
    for category, types in CATEGORY_TYPES.items():
        for t in types:
            namespace, cat, *_ = [*t.split("/"), None]
            assert namespace in NAMESPACES and namespace in TAXONOMY, (category, t)
            assert cat in TAXONOMY[namespace], f"{category}: {cat!r} is not a category of {namespace!r}"


def test_types_and_severity_follow_the_finding() -> None:
    doc = to_asff(sample_finding(category="model-abuse", severity="medium"))
    assert doc["Types"] == ["Effects/Resource Consumption/Model Abuse", "Unusual Behaviors/User/Model Usage Spike"]
    assert doc["Severity"] == {"Label": "MEDIUM", "Original": "medium"}
    assert doc["FindingProviderFields"] == {"Severity": doc["Severity"], "Types": doc["Types"]}


def test_identity_times_and_workflow() -> None:
    f = sample_finding()
    doc = to_asff(f)
    assert doc["Id"] == f.id and doc["GeneratorId"] == "bedrock.invocation_logging_deleted"
    assert doc["AwsAccountId"] == "111122223333"
    assert doc["FirstObservedAt"] == doc["CreatedAt"] == "2026-03-02T09:14:03.120Z"
    assert doc["LastObservedAt"] == doc["UpdatedAt"] == "2026-03-02T09:31:47.000Z"
    assert to_asff(f, updated_at="2026-03-02T10:00:00Z")["UpdatedAt"] == "2026-03-02T10:00:00Z"
    assert doc["RecordState"] == "ACTIVE" and doc["Workflow"] == {"Status": "NEW"}
    assert "restore-logging" in doc["Remediation"]["Recommendation"]["Text"]
    assert to_asff(f) == doc  # deterministic


def test_product_arn_default_per_partition_and_override() -> None:
    assert to_asff(sample_finding())["ProductArn"] == default_product_arn("111122223333", "us-east-1")
    assert to_asff(sample_finding(region="cn-north-1"))["ProductArn"].startswith("arn:aws-cn:securityhub:cn-north-1:")
    arn = "arn:aws:securityhub:eu-west-1:111122223333:product/111122223333/default"
    assert to_asff(sample_finding(), arn)["ProductArn"] == arn


def test_resources_mapped_to_asff_types() -> None:
    res = to_asff(sample_finding())["Resources"]
    assert res[0] == {"Type": "Other", "Id": "111122223333/us-east-1", "Partition": "aws", "Region": "us-east-1",
                      "Details": {"Other": {"aidr/type": "AWS::Bedrock::ModelInvocationLoggingConfiguration"}}}
    assert res[1] == {"Type": "AwsS3Bucket", "Id": "arn:aws:s3:::ml-invocation-logs-111122223333",
                      "Partition": "aws", "Region": "us-east-1"}
    role = to_asff(sample_finding(resources=[Resource(type="AWS::IAM::Role", id="arn:aws:iam::111122223333:role/x")]))
    assert role["Resources"][0]["Type"] == "AwsIamRole"


@pytest.mark.parametrize(
    ("principal", "expected"),
    [
        (Principal(arn="arn:aws:sts::111122223333:assumed-role/ml-platform-deployer/build-42"),
         ("AwsIamRole", "arn:aws:iam::111122223333:role/ml-platform-deployer")),
        (Principal(arn="arn:aws:iam::111122223333:user/ci-bot"),
         ("AwsIamUser", "arn:aws:iam::111122223333:user/ci-bot")),
        (Principal(arn="bedrock.amazonaws.com"), ("Other", "bedrock.amazonaws.com")),
        (None, ("AwsAccount", "AWS::::Account:111122223333")),
    ],
)
def test_finding_without_resources_names_principal_or_account(principal: Principal | None,
                                                                expected: tuple[str, str]) -> None:
    (res,) = to_asff(sample_finding(resources=[], principal=principal))["Resources"]
    assert (res["Type"], res["Id"]) == expected


def test_limits_are_respected() -> None:
    evidence = {f"fact_{i:02d}": "x" * 5000 for i in range(80)}
    evidence["k" * 300] = {"nested": [1, 2]}
    f = sample_finding(title="T" * 400, description="D" * 3000, evidence=evidence,
                       resources=[Resource(type="AWS::S3::Bucket", id=f"bucket-{i}") for i in range(40)])
    doc = to_asff(f)
    assert len(doc["Title"]) == 256 and len(doc["Description"]) == 1024
    assert len(doc["Resources"]) == 32
    fields = doc["ProductFields"]
    assert len(fields) <= 50
    assert all(isinstance(v, str) and len(k) <= 128 and len(v) <= 2048 for k, v in fields.items())
    assert fields["aidr/detector"] == f.detector and fields["aidr/category"] == f.category  # fixed keys first


def test_product_fields_are_strings() -> None:
    fields = product_fields(sample_finding())
    assert fields["aidr/playbook"] == "restore-logging"
    assert fields["aidr/techniques"] == "T1562.008,AML.T0051"
    assert fields["aidr/evidence/trusted_principal"] == "false"
    assert fields["aidr/evidence/source_ip"] == "203.0.113.77"
    assert "aidr/playbook" not in product_fields(sample_finding(playbook=None))  # no empty values


def test_account_is_required() -> None:
    with pytest.raises(ValueError, match="AwsAccountId"):
        to_asff(sample_finding(account=None))
    assert to_asff(sample_finding(account=None), account="444455556666")["AwsAccountId"] == "444455556666"
    with pytest.raises(ValueError, match="region"):
        to_asff(sample_finding(region=None))


@mock_aws
def test_import_into_security_hub() -> None:
    client = boto3.client("securityhub", region_name="us-east-1")
    client.enable_security_hub()
    findings = [sample_finding(), sample_finding(id="0" * 32, resources=[], principal=None, severity="low")]
    docs = [to_asff(f) for f in findings]
    resp = client.batch_import_findings(Findings=docs)
    assert resp["FailedCount"] == 0, resp["FailedFindings"]
    assert resp["SuccessCount"] == 2
    # Re-importing is an upsert by Id: still two findings.
    assert client.batch_import_findings(Findings=docs[:1])["FailedCount"] == 0
    stored = {f["Id"]: f for f in client.get_findings()["Findings"]}
    assert set(stored) == {f.id for f in findings}
    got = stored[findings[0].id]
    assert got["Severity"]["Label"] == "HIGH"
    assert got["ProductFields"]["aidr/detector"] == "bedrock.invocation_logging_deleted"
