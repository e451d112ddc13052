"""Least privilege: each function can touch only its own resources, and every wildcard is a documented exception.

Checked twice: on the statements the template writes, and on the IAM roles SAM generates from it (the SAM
translator runs offline here, as in `sam validate --lint`).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from samtranslator.translator.transform import transform

from tests.template.cfn import (
    FUNCTION,
    Statement,
    functions,
    local_code_uris,
    of_type,
    props,
    ref,
    rule_targets,
    statements,
)

# Allow statements that may use Resource "*": in a key policy "*" means "this key", nothing wider.
RESOURCE_STAR = {
    ("EncryptionKey", "AccountAdministersKeyAndDelegatesUseToIam"),
    ("EncryptionKey", "CloudWatchLogsEncryptsThisStacksLogGroups"),
    ("EncryptionKey", "EventBridgeEncryptsAidrBusAndWritesDeadLetters"),
    ("EncryptionKey", "CloudWatchAlarmsPublishToEncryptedTopic"),
    # The optional data-event trail (issue 4); bound by aws:SourceArn to this stack's trail.
    ("EncryptionKey", "CloudTrailEncryptsDataEventTrailLogs"),
    # Containment playbooks (issue 5): the Bedrock invocation-logging configuration has no ARN; Step Functions log
    # delivery and X-Ray take no resource-level permissions.
    ("PlaybookStepFunction", "RestoreInvocationLogging"),
    # Customer keys of encrypted endpoint configs are not known in advance; bound to SageMaker by kms:ViaService.
    ("PlaybookStepFunction", "RecreateEncryptedEndpoints"),
    ("PlaybookStepFunction", "DescribeEndpointKeys"),
    ("PlaybookStatesObservabilityPolicy", "DeliverExecutionLogs"),
    ("PlaybookStatesObservabilityPolicy", "WriteTraces"),
    # aidr assess reads Describe/List/Get APIs, most of which have no resource-level permissions (issue 7); the
    # statement is generated from the checks' declared calls (docs/assess-policy.json) and holds no writes.
    ("AssessFunction", "AssessReadOnly"),
}
# Allow statements that may grant every action of a service: the account keeps full control of its key
# (AWS's default key policy statement; without it a key can become unmanageable).
SERVICE_STAR = {("EncryptionKey", "AccountAdministersKeyAndDelegatesUseToIam")}
# AWS-managed policies SAM attaches to every role it generates (they use Resource "*"): CloudWatch Logs
# (basic execution) and X-Ray (Tracing: Active; X-Ray has no resource-level permissions).
AWS_MANAGED = [
    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess",
]
DETECTOR_STATE_ACTIONS = {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query",
                          "dynamodb:DeleteItem"}


def _allows(template: dict[str, Any]) -> list[Statement]:
    return [s for s in statements(template) if s.body["Effect"] == "Allow"]


def test_no_statement_grants_every_action(template: dict[str, Any]) -> None:
    for s in statements(template):
        assert "*" not in s.listed("Action"), (s.resource, s.sid)


def test_resource_star_only_where_documented(template: dict[str, Any]) -> None:
    found = {(s.resource, s.sid) for s in _allows(template) if "*" in s.listed("Resource")}
    assert found == RESOURCE_STAR


def test_service_wide_actions_only_where_documented(template: dict[str, Any]) -> None:
    found = {(s.resource, s.sid) for s in _allows(template)
             if any(isinstance(a, str) and a.endswith(":*") for a in s.listed("Action"))}
    assert found == SERVICE_STAR


def test_key_policy_names_its_principals_and_binds_services_to_this_account(template: dict[str, Any]) -> None:
    for s in statements(template):
        if s.kind != "key":
            continue
        principal = s.body["Principal"]
        assert principal != "*" and principal.get("AWS") != "*", s.sid
        if "Service" in principal:
            assert s.body.get("Condition"), f"{s.sid}: a service principal without a condition (confused deputy)"
        else:
            assert principal["AWS"] == {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}, s.sid


def test_resource_policies_allow_only_named_principals(template: dict[str, Any]) -> None:
    for s in statements(template):
        if s.kind == "resource" and s.body["Effect"] == "Allow":
            assert s.body["Principal"] != "*", (s.resource, s.sid)
            if "Service" in s.body["Principal"]:
                assert s.body.get("Condition"), (s.resource, s.sid)


def _statement(template: dict[str, Any], resource: str, sid: str) -> dict[str, Any]:
    (s,) = [s.body for s in statements(template) if (s.resource, s.sid) == (resource, sid)]
    return s


def test_detectors_read_config_keep_state_and_put_only_findings(template: dict[str, Any]) -> None:
    doc = props(template["Resources"]["DetectorPolicy"])["PolicyDocument"]["Statement"]
    assert {s["Sid"] for s in doc} == {"ReadConfig", "KeepState", "PutFindingsOnAidrBus"}
    config = _statement(template, "DetectorPolicy", "ReadConfig")
    assert config["Action"] == "ssm:GetParameter"
    assert config["Resource"]["Fn::Sub"].endswith(":parameter${ConfigParameterName}")
    state = _statement(template, "DetectorPolicy", "KeepState")
    assert set(state["Action"]) == DETECTOR_STATE_ACTIONS and ref(state["Resource"]) == "StateTable"
    put = _statement(template, "DetectorPolicy", "PutFindingsOnAidrBus")
    assert put["Action"] == "events:PutEvents" and ref(put["Resource"]) == "AidrEventBus"
    # What a detector may put is exactly what FindingRule routes to RecordFindingFunction.
    (finding_rule,) = [r for r in rule_targets(template) if r.target_id == "RecordFindingFunction"]
    pattern = props(template["Resources"][finding_rule.logical_id])["EventPattern"]
    assert put["Condition"]["StringEquals"] == {
        "events:source": pattern["source"][0], "events:detail-type": pattern["detail-type"][0]}
    assert finding_rule.bus == "AidrEventBus"


def test_key_use_goes_only_through_aidr_services(template: dict[str, Any]) -> None:
    (s,) = props(template["Resources"]["KeyUsePolicy"])["PolicyDocument"]["Statement"]
    assert set(s["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey"}
    assert ref(s["Resource"]) == "EncryptionKey"
    services = [v["Fn::Sub"] for v in s["Condition"]["StringEquals"]["kms:ViaService"]]
    assert services and all(v.endswith(".${AWS::Region}.amazonaws.com") for v in services)


@pytest.fixture(scope="module")
def roles(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The IAM roles SAM generates, by function logical id."""

    class NoManagedPolicyLookups:
        def load(self) -> dict[str, str]:
            return {}

    with pytest.MonkeyPatch.context() as mp:  # the translator needs a region, nothing else from AWS
        mp.setenv("AWS_DEFAULT_REGION", "us-east-1")
        out = transform(local_code_uris(template), {}, NoManagedPolicyLookups())["Resources"]
    return {f: out[f"{f}Role"]["Properties"] for f in of_type(template, FUNCTION)}


def _inline(role: dict[str, Any]) -> list[dict[str, Any]]:
    """Inline statements of a generated role, both branches of a conditional policy included."""
    out = []
    for pol in role.get("Policies", []):
        branches = pol["Fn::If"][1:] if "Fn::If" in pol else [pol]
        for b in branches:
            if isinstance(b, dict) and "PolicyDocument" in b:
                out.extend(b["PolicyDocument"]["Statement"])
    return out


def _dead_letter_sends(statements_: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [s for s in statements_ if s["Action"] == "sqs:SendMessage"
            and ref(s["Resource"]) in ("FunctionDLQ", "FunctionFailureQueue")]


def test_generated_roles_attach_only_known_managed_policies(template: dict[str, Any],
                                                            roles: dict[str, dict[str, Any]]) -> None:
    fns = functions(template)

    def functions_env(fn: str) -> dict[str, Any]:
        return fns[fn].get("Environment", {}).get("Variables", {})

    for fn, role in roles.items():
        arns = role["ManagedPolicyArns"]
        assert arns[: len(AWS_MANAGED)] == AWS_MANAGED, fn
        expected = ["KeyUsePolicy", "DetectorPolicy"] if fn.startswith("Detect") else ["KeyUsePolicy"]
        if "AIDR_LEDGER_TABLE" in functions_env(fn):
            expected.append("LedgerAppendOnlyPolicy")  # the ledger is written through that policy only
        assert [ref(a) for a in arns[len(AWS_MANAGED):]] == expected, fn


def test_detector_roles_add_only_their_dead_letter_queues(roles: dict[str, dict[str, Any]]) -> None:
    for fn, role in roles.items():
        if fn.startswith("Detect"):
            inline = [s for s in _inline(role) if fn != "DetectInvocationFunction" or s.get("Sid") not in BODY_READS]
            assert inline == _dead_letter_sends(inline) and len(inline) == 2, fn


BODY_READS = {"ReadOffloadedRecords", "DecryptOffloadedRecords", "ReadInvocationBodies", "DecryptInvocationBodies",
              "ListInvocationBodies", "ReadInvocationBodiesInLogBucket", "ListInvocationLogBucket",
              "DecryptInvocationBodiesInLogBucket"}


def test_invocation_detector_reads_only_invocation_bodies(roles: dict[str, dict[str, Any]]) -> None:
    """Oversize records come back from the offload bucket's aidr/offload/ prefix, decrypted through S3 only; the
    bodies Bedrock moved to S3 from the large-data bucket named by a parameter (when it is given)."""
    extra = {s["Sid"]: s for s in _inline(roles["DetectInvocationFunction"]) if s.get("Sid") in BODY_READS}
    assert set(extra) == BODY_READS
    bodies = extra["ReadInvocationBodies"]
    assert bodies["Action"] == "s3:GetObject"
    assert bodies["Resource"] == {"Fn::Sub": "arn:${AWS::Partition}:s3:::${InvocationBodyBucketName}/*"}
    # S3 delivery: only the data/ folders of the log bucket, where Bedrock puts the bodies it moves.
    in_logs = extra["ReadInvocationBodiesInLogBucket"]
    assert in_logs["Action"] == "s3:GetObject"
    assert in_logs["Resource"] == {"Fn::Sub": "arn:${AWS::Partition}:s3:::${InvocationLogBucketName}/*/data/*"}
    # Listing (the buckets only, no object access) turns "not written yet" into NoSuchKey instead of AccessDenied.
    for sid, param in (("ListInvocationBodies", "InvocationBodyBucketName"),
                       ("ListInvocationLogBucket", "InvocationLogBucketName")):
        assert extra[sid]["Action"] == "s3:ListBucket"
        assert extra[sid]["Resource"] == {"Fn::Sub": f"arn:${{AWS::Partition}}:s3:::${{{param}}}"}
    read, decrypt = extra["ReadOffloadedRecords"], extra["DecryptOffloadedRecords"]
    assert read["Action"] == "s3:GetObject"
    assert read["Resource"] == {"Fn::Sub": "${InvocationLogOffloadBucket.Arn}/aidr/offload/*"}
    assert decrypt["Action"] == "kms:Decrypt" and ref(decrypt["Resource"]) == "EncryptionKey"
    assert decrypt["Condition"] == {"StringEquals": {"kms:ViaService": {"Fn::Sub": "s3.${AWS::Region}.amazonaws.com"}}}


@pytest.mark.parametrize(("fn", "sid", "condition", "has_bucket", "bucket", "objects"), [
    ("ForwardInvocationLogsFunction", "DecryptInvocationLogObjects", "DecryptsInvocationLogObjects",
     "HasInvocationLogBucket", "InvocationLogBucketName", "*"),
    ("DetectInvocationFunction", "DecryptInvocationBodies", "DecryptsInvocationBodies",
     "HasInvocationBodyBucket", "InvocationBodyBucketName", "*"),
    ("DetectInvocationFunction", "DecryptInvocationBodiesInLogBucket", "DecryptsInvocationLogBodies",
     "HasInvocationLogBucket", "InvocationLogBucketName", "*/data/*"),
])
def test_customer_key_of_bedrock_buckets_decrypts_only_their_objects_through_s3(
        template: dict[str, Any], fn: str, sid: str, condition: str, has_bucket: str, bucket: str,
        objects: str) -> None:
    """InvocationLogKmsKeyArn: granted only when the bucket and the key are both named, only via S3, and only for
    objects of that bucket (SSE-KMS's encryption context: the object's ARN, or the bucket's with Bucket Keys)."""
    (grant,) = [p["Fn::If"] for p in props(template["Resources"][fn])["Policies"]
                if isinstance(p, dict) and "Fn::If" in p and p["Fn::If"][0] == condition]
    assert grant[2] == {"Ref": "AWS::NoValue"}
    (s,) = grant[1]["Statement"]
    assert s["Sid"] == sid and s["Effect"] == "Allow" and s["Action"] == "kms:Decrypt"
    assert s["Resource"] == {"Ref": "InvocationLogKmsKeyArn"}
    assert s["Condition"] == {
        "StringEquals": {"kms:ViaService": {"Fn::Sub": "s3.${AWS::Region}.amazonaws.com"}},
        "StringLike": {"kms:EncryptionContext:aws:s3:arn": [
            {"Fn::Sub": f"arn:${{AWS::Partition}}:s3:::${{{bucket}}}"},
            {"Fn::Sub": f"arn:${{AWS::Partition}}:s3:::${{{bucket}}}/{objects}"}]},
    }
    assert template["Conditions"][condition] == {"Fn::And": [{"Condition": has_bucket},
                                                             {"Condition": "HasInvocationLogKey"}]}
    assert template["Conditions"]["HasInvocationLogKey"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "InvocationLogKmsKeyArn"}, ""]}]}


@pytest.mark.parametrize(("value", "ok"), [
    ("", True),
    ("arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", True),
    ("arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab", True),
    ("arn:aws:kms:eu-west-1:111122223333:alias/bedrock-logs", False),  # an alias is no key ARN for IAM
    ("1234abcd-12ab-34cd-56ef-1234567890ab", False),
    ("*", False),
])
def test_invocation_log_key_parameter_takes_a_key_arn_only(template: dict[str, Any], value: str, ok: bool) -> None:
    pattern = template["Parameters"]["InvocationLogKmsKeyArn"]["AllowedPattern"]
    assert bool(re.fullmatch(pattern, value)) is ok


def test_record_finding_role_stores_notifies_and_exports_only(roles: dict[str, dict[str, Any]]) -> None:
    rest = [s for s in _inline(roles["RecordFindingFunction"]) if s not in _dead_letter_sends([s])]
    by_action = {tuple(s["Action"]) if isinstance(s["Action"], list) else (s["Action"],): s for s in rest}
    assert set(by_action) == {("sns:Publish",), ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"),
                              ("securityhub:BatchImportFindings",)}
    assert ref(by_action[("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem")]["Resource"]) == \
        "FindingsTable"
    topic = by_action[("sns:Publish",)]["Resource"]["Fn::Sub"][1]["topicName"]
    assert ref(topic) == "FindingsTopic"
    hub = by_action[("securityhub:BatchImportFindings",)]["Resource"]["Fn::Sub"]
    assert hub.endswith(":product/${AWS::AccountId}/default")


def test_security_hub_import_is_granted_only_when_export_is_enabled(roles: dict[str, dict[str, Any]]) -> None:
    conditional = [p for p in roles["RecordFindingFunction"]["Policies"] if "Fn::If" in p]
    assert len(conditional) == 1
    condition, when_on, when_off = conditional[0]["Fn::If"]
    assert condition == "SecurityHubExport" and when_off == {"Ref": "AWS::NoValue"}
    assert when_on["PolicyDocument"]["Statement"][0]["Action"] == "securityhub:BatchImportFindings"


def test_every_role_of_the_stack_lives_under_the_path_the_guard_refuses(template: dict[str, Any]) -> None:
    """Generated role names can be shortened (a long stack name loses its tail), so the guard that keeps aidr from
    containing itself goes by path: every role the stack makes, SAM-generated or not, is under /aidr/<stack>/."""
    from aidr.guards import OWN_ROLE_PATH

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AWS_DEFAULT_REGION", "us-east-1")
        out = transform(local_code_uris(template), {}, type("NoLookups", (), {"load": lambda self: {}})())
    made = {lid: r for lid, r in out["Resources"].items() if r["Type"] == "AWS::IAM::Role"}
    assert len(made) >= 21  # 15 functions, 5 state machines, the assessment schedule
    for lid, r in made.items():
        assert r["Properties"].get("Path") == {"Fn::Sub": "/aidr/${AWS::StackName}/"}, lid
    assert OWN_ROLE_PATH == "/aidr/"
