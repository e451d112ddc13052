"""Edge cases of single checks: every page of Bedrock API keys, detect-only guardrail filters, budget filters,
trail regions and S3 selectors, unreadable (organization) trails, other accounts' buckets, local instance storage,
key origin and cross-account keys, serverless endpoints, regions without Bedrock, the large-data log bucket."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from aidr.assess.checks.s3_data import ai_buckets
from aidr.assess.collect import bedrock_api_keys
from aidr.assess.context import AssessContext
from aidr.assess.registry import all_checks
from aidr.config import AidrConfig
from aidr_cli.assess_demo import ACCOUNT, HOME, answer_guardrails, guardrail
from aidr_cli.assess_emulator import error
from botocore.exceptions import EndpointConnectionError

from .conftest import run, statuses

T = datetime(2026, 1, 5, tzinfo=UTC)
ROLE = f"arn:aws:iam::{ACCOUNT}:role/r"
IMAGE = "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.3"
OTHER_ACCOUNT = "999999999999"


def _bedrock_used(session: Any, *regions: str) -> None:
    for r in regions or (HOME,):
        session.client("cloudwatch", r).put_metric_data(
            Namespace="AWS/Bedrock", MetricData=[{"MetricName": "Invocations", "Value": 1}])


# --- 1. Bedrock API keys: every page --------------------------------------------------------------------------------

def test_bedrock_api_keys_are_read_from_every_page(account) -> None:  # type: ignore[no-untyped-def]
    """IAM has no paginator for ListServiceSpecificCredentials: the collector follows Marker itself."""
    session, fake = account
    markers: list[str | None] = []

    def listing(params: dict[str, Any], region: str) -> dict[str, Any]:
        markers.append(params.get("Marker"))
        n = 2 if params.get("Marker") == "page-2" else 1
        page = {"ServiceSpecificCredentials": [{
            "UserName": f"user-{n}", "Status": "Active", "ServiceName": "bedrock.amazonaws.com",
            "ServiceSpecificCredentialId": f"ACCA2EXAMPLEPAGEKEY0{n}", "CreateDate": T}]}
        return dict(page, IsTruncated=True, Marker="page-2") if n == 1 else dict(page, IsTruncated=False)
    fake.answer("iam", "ListServiceSpecificCredentials", listing)
    ctx = AssessContext(session, ACCOUNT, [HOME], home_region=HOME)
    assert [k["UserName"] for k in bedrock_api_keys(ctx)] == ["user-1", "user-2"]
    assert markers == [None, "page-2"]
    results = run("iam.bedrock_long_term_api_keys", session)
    assert {r.resource for r in results if r.status == "FAIL"} == {"ACCA2EXAMPLEPAGEKEY01", "ACCA2EXAMPLEPAGEKEY02"}


# --- 2. Guardrails: detect-only or disabled filters do not protect -------------------------------------------------

PII = "sensitiveInformationPolicy"
GROUNDING = "contextualGroundingPolicy"


@pytest.mark.parametrize(("check_id", "policies"), [
    pytest.param("guardrails.prompt_attack_high", {"contentPolicy": {"filters": [
        {"type": "PROMPT_ATTACK", "inputStrength": "HIGH", "outputStrength": "NONE", "inputAction": "NONE"}]}},
        id="prompt-attack-detect-only"),
    pytest.param("guardrails.sensitive_information", {PII: {"piiEntities": [{"type": "EMAIL", "action": "NONE"}]}},
                 id="pii-action-none"),
    pytest.param("guardrails.sensitive_information", {PII: {"piiEntities": [
        {"type": "EMAIL", "action": "ANONYMIZE", "inputAction": "NONE", "outputAction": "ANONYMIZE"}]}},
        id="pii-input-detect-only"),
    pytest.param("guardrails.sensitive_information", {PII: {"piiEntities": [
        {"type": "US_SOCIAL_SECURITY_NUMBER", "action": "BLOCK", "outputAction": "NONE"}]}},
        id="pii-output-detect-only"),
    pytest.param("guardrails.sensitive_information", {PII: {"piiEntities": [
        {"type": "EMAIL", "action": "BLOCK", "outputEnabled": False}]}}, id="pii-output-disabled"),
    pytest.param("guardrails.sensitive_information", {PII: {"regexes": [
        {"name": "employee-id", "pattern": "EMP-[0-9]+", "action": "BLOCK", "inputEnabled": False}]}},
        id="regex-input-disabled"),
    pytest.param("guardrails.contextual_grounding", {GROUNDING: {"filters": [
        {"type": "GROUNDING", "threshold": 0.8, "action": "NONE"}, {"type": "RELEVANCE", "threshold": 0.7}]}},
        id="grounding-detect-only"),
    pytest.param("guardrails.contextual_grounding", {GROUNDING: {"filters": [
        {"type": "GROUNDING", "threshold": 0.8}, {"type": "RELEVANCE", "threshold": 0.7, "enabled": False}]}},
        id="relevance-disabled"),
])
def test_detect_only_or_disabled_filters_fail(check_id: str, policies: dict[str, Any], account) -> None:  # type: ignore[no-untyped-def]
    session, fake = account
    answer_guardrails(fake, {HOME: [guardrail("gr-detect", HOME, **policies)]})
    results = run(check_id, session)
    assert statuses(results) == {"FAIL"}, results


@pytest.mark.parametrize(("check_id", "policies"), [
    ("guardrails.prompt_attack_high", {"contentPolicy": {"filters": [
        {"type": "PROMPT_ATTACK", "inputStrength": "HIGH", "outputStrength": "NONE", "inputAction": "BLOCK",
         "inputEnabled": True}]}}),
    ("guardrails.sensitive_information", {PII: {"piiEntities": [
        {"type": "EMAIL", "action": "NONE"},
        {"type": "NAME", "action": "ANONYMIZE", "inputAction": "ANONYMIZE", "outputAction": "BLOCK",
         "inputEnabled": True, "outputEnabled": True}]}}),
    ("guardrails.contextual_grounding", {GROUNDING: {"filters": [
        {"type": "GROUNDING", "threshold": 0.8, "action": "BLOCK", "enabled": True},
        {"type": "RELEVANCE", "threshold": 0.7, "action": "BLOCK"}]}}),
])
def test_blocking_filters_pass(check_id: str, policies: dict[str, Any], account) -> None:  # type: ignore[no-untyped-def]
    session, fake = account
    answer_guardrails(fake, {HOME: [guardrail("gr-block", HOME, **policies)]})
    assert statuses(run(check_id, session)) == {"PASS"}


# --- 3. Budgets: FilterExpression, and filters that narrow a budget -------------------------------------------------

NOTIFY = [{"Notification": {"NotificationType": "ACTUAL", "ComparisonOperator": "GREATER_THAN", "Threshold": 80},
           "Subscribers": [{"SubscriptionType": "EMAIL", "Address": "ai-ops@example.com"}]}]


def test_region_filtered_budget_does_not_cover_bedrock(account) -> None:  # type: ignore[no-untyped-def]
    session, _ = account
    _bedrock_used(session)
    session.client("budgets", HOME).create_budget(AccountId=ACCOUNT, Budget={
        "BudgetName": "us-east-1-only", "BudgetLimit": {"Amount": "500", "Unit": "USD"}, "TimeUnit": "MONTHLY",
        "BudgetType": "COST", "CostFilters": {"Region": ["us-east-1"]}}, NotificationsWithSubscribers=NOTIFY)
    assert statuses(run("cost.bedrock_budget", session)) == {"FAIL"}


def _dims(key: str, *values: str) -> dict[str, Any]:
    return {"Dimensions": {"Key": key, "Values": list(values)}}


@pytest.mark.parametrize(("expression", "status"), [
    (_dims("SERVICE", "Amazon Bedrock"), "PASS"),
    ({"And": [_dims("SERVICE", "Amazon Bedrock", "Amazon SageMaker"), _dims("REGION", "us-east-1")]}, "PASS"),
    (_dims("REGION", "us-east-1"), "FAIL"),
    (_dims("LINKED_ACCOUNT", ACCOUNT), "FAIL"),
    ({"Tags": {"Key": "team", "Values": ["ml"]}}, "FAIL"),
    (_dims("SERVICE", "Amazon Simple Storage Service"), "FAIL"),
    ({"Not": _dims("SERVICE", "Amazon Bedrock")}, "FAIL"),
])
def test_budget_filter_expression_decides_coverage(expression: dict[str, Any], status: str, account) -> None:  # type: ignore[no-untyped-def]
    """DescribeBudgets returns FilterExpression only when asked (ShowFilterExpression); CostFilters is deprecated."""
    session, fake = account
    _bedrock_used(session)
    budget = {"BudgetName": "b", "TimeUnit": "MONTHLY", "BudgetType": "COST",
              "BudgetLimit": {"Amount": "100", "Unit": "USD"}}
    fake.answer("budgets", "DescribeBudgets", lambda p, r: {
        "Budgets": [dict(budget, FilterExpression=expression) if p.get("ShowFilterExpression") else budget]})
    fake.answer("budgets", "DescribeNotificationsForBudget", {"Notifications": [NOTIFY[0]["Notification"]]})
    assert statuses(run("cost.bedrock_budget", session)) == {status}


# --- 4 and 5. CloudTrail: trail regions, S3 selectors, unreadable trails --------------------------------------------

OWN_TRAIL = f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/own"
ORG_TRAIL = f"arn:aws:cloudtrail:us-east-1:{OTHER_ACCOUNT}:trail/org"
MANAGEMENT = {"ReadWriteType": "All", "IncludeManagementEvents": True}


def _trail(arn: str, **kw: Any) -> dict[str, Any]:
    return {"Name": arn.rsplit("/", 1)[1], "TrailARN": arn, "HomeRegion": "us-east-1", "IsMultiRegionTrail": True,
            "S3BucketName": "trail-logs", **kw}


def _answer_trails(fake: Any, trails: dict[str, tuple[dict[str, Any], dict[str, Any] | None]]) -> None:
    """DescribeTrails lists ``trails``; the other calls answer with their selectors, or refuse (None) like an
    organization trail seen from a member account."""
    fake.answer("cloudtrail", "DescribeTrails", {"trailList": [t for t, _ in trails.values()]})

    def per_trail(ok: Any) -> Any:
        def answer(params: dict[str, Any], region: str) -> dict[str, Any]:
            arn = params.get("Name") or params.get("TrailName")
            sel = trails[arn][1]
            if sel is None:
                return error("CloudTrailARNInvalidException", f"{arn} is not valid for this account")
            return ok(arn, sel)
        return answer
    fake.answer("cloudtrail", "GetTrailStatus", per_trail(lambda arn, sel: {"IsLogging": True}))
    fake.answer("cloudtrail", "GetEventSelectors", per_trail(lambda arn, sel: dict(sel, TrailARN=arn)))


def test_single_region_trail_covers_only_its_home_region(account) -> None:  # type: ignore[no-untyped-def]
    session, _ = account
    _bedrock_used(session, "us-east-1", "us-west-2")
    session.client("s3", HOME).create_bucket(Bucket="trail-logs")
    ct = session.client("cloudtrail", HOME)
    ct.create_trail(Name="east", S3BucketName="trail-logs", IsMultiRegionTrail=False)
    ct.put_event_selectors(TrailName="east", AdvancedEventSelectors=[{"Name": "bedrock", "FieldSelectors": [
        {"Field": "eventCategory", "Equals": ["Data"]},
        {"Field": "resources.type", "Equals": ["AWS::Bedrock::AgentAlias"]}]}])
    ct.start_logging(Name="east")
    results = run("cloudtrail.bedrock_data_events", session, regions=["us-east-1", "us-west-2"])
    assert {(r.region, r.status) for r in results} == {("us-east-1", "PASS"), ("us-west-2", "FAIL")}
    assert "us-west-2" in next(r.reason for r in results if r.status == "FAIL")


def _advanced(*fields: dict[str, Any]) -> dict[str, Any]:
    return {"AdvancedEventSelectors": [{"Name": "s3", "FieldSelectors": [
        {"Field": "eventCategory", "Equals": ["Data"]}, {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
        *fields]}]}


def _basic(values: list[str], read_write: str = "All") -> dict[str, Any]:
    return {"EventSelectors": [dict(MANAGEMENT, ReadWriteType=read_write, DataResources=[
        {"Type": "AWS::S3::Object", "Values": values}])]}


def _arn(op: str, *values: str) -> dict[str, Any]:
    return {"Field": "resources.ARN", op: list(values)}


@pytest.mark.parametrize(("selectors", "status"), [
    pytest.param(_basic(["arn:aws:s3"]), "PASS", id="basic-every-bucket"),
    pytest.param(_basic(["arn:aws:s3:::train/"]), "PASS", id="basic-the-bucket"),
    pytest.param(_basic(["arn:aws:s3:::train/images/"]), "FAIL", id="basic-prefix-inside"),
    pytest.param(_basic(["arn:aws:s3:::train-archive/"]), "FAIL", id="basic-longer-bucket-name"),
    pytest.param(_basic(["arn:aws:s3"], "ReadOnly"), "FAIL", id="basic-read-only"),
    pytest.param(_basic(["arn:aws:s3"], "WriteOnly"), "PASS", id="basic-write-only"),
    pytest.param(_advanced(), "PASS", id="every-object"),
    pytest.param(_advanced(_arn("StartsWith", "arn:aws:s3:::train/")), "PASS", id="starts-with-the-bucket"),
    pytest.param(_advanced(_arn("StartsWith", "arn:aws:s3:::train-archive/")), "FAIL", id="starts-with-longer-name"),
    pytest.param(_advanced(_arn("StartsWith", "arn:aws:s3:::train/images/")), "FAIL", id="starts-with-prefix-inside"),
    pytest.param(_advanced(_arn("Equals", "arn:aws:s3:::train")), "FAIL", id="equals-bucket-arn"),
    pytest.param(_advanced(_arn("NotStartsWith", "arn:aws:s3:::train/")), "FAIL", id="excludes-the-bucket"),
    pytest.param(_advanced(_arn("NotStartsWith", "arn:aws:s3:::train/tmp/")), "FAIL", id="excludes-a-prefix"),
    pytest.param(_advanced(_arn("NotStartsWith", "arn:aws:s3:::trail-logs/")), "PASS", id="excludes-another-bucket"),
    pytest.param(_advanced(_arn("NotEquals", "arn:aws:s3:::train/x.csv")), "FAIL", id="excludes-an-object"),
    pytest.param(_advanced({"Field": "readOnly", "Equals": ["true"]}), "FAIL", id="reads-only"),
    pytest.param(_advanced({"Field": "readOnly", "Equals": ["false"]}), "PASS", id="writes-only"),
])
def test_s3_data_event_selectors_must_cover_every_object_write(selectors: dict[str, Any], status: str,  # type: ignore[no-untyped-def]
                                                               account) -> None:
    session, fake = account
    _answer_trails(fake, {OWN_TRAIL: (_trail(OWN_TRAIL), selectors)})
    results = run("cloudtrail.ai_bucket_data_events", session, config=AidrConfig(protected_data_buckets=["train"]))
    assert [(r.resource, r.status) for r in results] == [("arn:aws:s3:::train", status)]


def test_unreadable_organization_trail_does_not_hide_the_accounts_own_trail(account) -> None:  # type: ignore[no-untyped-def]
    session, fake = account
    _bedrock_used(session)
    _answer_trails(fake, {
        ORG_TRAIL: (_trail(ORG_TRAIL, IsOrganizationTrail=True, KmsKeyId="arn:aws:kms:us-east-1:999999999999:key/k",
                           LogFileValidationEnabled=True), None),
        OWN_TRAIL: (_trail(OWN_TRAIL, LogFileValidationEnabled=False), {"EventSelectors": [MANAGEMENT]}),
    })
    assert [(r.resource, r.status) for r in run("cloudtrail.multi_region_management_events", session)] == [
        (OWN_TRAIL, "PASS")]
    # Encryption and validation show in DescribeTrails: each trail gets its own verdict.
    assert {(r.resource, r.status) for r in run("cloudtrail.trail_encrypted", session)} == {
        (OWN_TRAIL, "FAIL"), (ORG_TRAIL, "PASS")}
    assert {(r.resource, r.status) for r in run("cloudtrail.log_file_validation", session)} == {
        (OWN_TRAIL, "FAIL"), (ORG_TRAIL, "PASS")}


@pytest.mark.parametrize("check_id", ["cloudtrail.multi_region_management_events", "cloudtrail.bedrock_data_events"])
def test_only_an_unreadable_organization_trail_is_could_not_assess_for_that_trail(check_id: str, account) -> None:  # type: ignore[no-untyped-def]
    session, fake = account
    _bedrock_used(session)
    _answer_trails(fake, {ORG_TRAIL: (_trail(ORG_TRAIL, IsOrganizationTrail=True), None)})
    results = run(check_id, session)
    assert [(r.resource, r.status) for r in results] == [(ORG_TRAIL, "COULD_NOT_ASSESS")]
    assert f"owned by account {OTHER_ACCOUNT}" in results[0].reason
    assert "CloudTrailARNInvalidException" in results[0].reason


# --- 6. Buckets of another account, and one bucket's error --------------------------------------------------------

JUMPSTART = "jumpstart-cache-prod-us-east-1"


def test_another_accounts_bucket_is_skipped_and_each_bucket_assessed_on_its_own(account) -> None:  # type: ignore[no-untyped-def]
    session, fake = account
    s3 = session.client("s3", HOME)
    for b in ("mine-denied", "mine-ok"):
        s3.create_bucket(Bucket=b)
    fake.answer("s3", "GetBucketVersioning", lambda p, r: error("AccessDenied", "Access Denied")
                if p["Bucket"] in (JUMPSTART, "mine-denied") else {"Status": "Enabled"})
    config = AidrConfig(protected_data_buckets=[JUMPSTART, "mine-denied", "mine-ok"])
    by_bucket = {r.resource: r for r in run("s3.ai_bucket_versioning", session, config=config)}
    foreign = by_bucket[f"arn:aws:s3:::{JUMPSTART}"]
    assert foreign.status == "NOT_APPLICABLE" and "another account" in foreign.reason
    assert by_bucket["arn:aws:s3:::mine-denied"].status == "COULD_NOT_ASSESS"
    assert "access denied" in by_bucket["arn:aws:s3:::mine-denied"].reason
    assert by_bucket["arn:aws:s3:::mine-ok"].status == "PASS"


def test_without_list_buckets_every_bucket_is_tried(account) -> None:  # type: ignore[no-untyped-def]
    session, fake = account
    session.client("s3", HOME).create_bucket(Bucket="mine-ok")
    fake.deny("s3", "ListBuckets")
    fake.answer("s3", "GetBucketVersioning", lambda p, r: error("AccessDenied", "Access Denied")
                if p["Bucket"] == JUMPSTART else {"Status": "Enabled"})
    config = AidrConfig(protected_data_buckets=[JUMPSTART, "mine-ok"])
    assert {(r.resource, r.status) for r in run("s3.ai_bucket_versioning", session, config=config)} == {
        (f"arn:aws:s3:::{JUMPSTART}", "COULD_NOT_ASSESS"), ("arn:aws:s3:::mine-ok", "PASS")}


# --- 7. Training volumes on local instance storage ----------------------------------------------------------------

@pytest.mark.parametrize(("instance_type", "status"), [
    ("ml.p4d.24xlarge", "PASS"), ("ml.g4dn.xlarge", "PASS"), ("ml.g5.2xlarge", "PASS"), ("ml.trn1.32xlarge", "PASS"),
    ("ml.m5.xlarge", "FAIL"), ("ml.c5.2xlarge", "FAIL"),
])
def test_training_volume_key_is_not_required_on_local_instance_storage(instance_type: str, status: str,  # type: ignore[no-untyped-def]
                                                                       account) -> None:
    session, _ = account
    key = session.client("kms", HOME).create_key()["KeyMetadata"]["Arn"]
    session.client("sagemaker", HOME).create_training_job(
        TrainingJobName="t", RoleArn=ROLE, AlgorithmSpecification={"TrainingImage": IMAGE, "TrainingInputMode": "File"},
        OutputDataConfig={"S3OutputPath": "s3://artifacts/", "KmsKeyId": key},
        ResourceConfig={"InstanceType": instance_type, "InstanceCount": 1, "VolumeSizeInGB": 50},
        StoppingCondition={"MaxRuntimeInSeconds": 3600})
    assert statuses(run("sagemaker.training_job_kms", session)) == {status}


# --- 8. Key rotation: keys of other accounts, key material KMS cannot rotate ---------------------------------------

def test_key_rotation_reads_keys_by_arn_and_skips_keys_that_cannot_rotate(account) -> None:  # type: ignore[no-untyped-def]
    session, fake = account
    foreign = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    imported = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/0000abcd-12ab-34cd-56ef-1234567890ab"
    sm = session.client("sagemaker", HOME)
    for name, key in (("nb-foreign", foreign), ("nb-imported", imported)):
        sm.create_notebook_instance(NotebookInstanceName=name, InstanceType="ml.t3.medium", RoleArn=ROLE, KmsKeyId=key)
    fake.answer("bedrock", "ListGuardrails", {"guardrails": []})
    fake.answer("kms", "DescribeKey", lambda p, r: {"KeyMetadata": {
        "KeyId": p["KeyId"].rsplit("/", 1)[1], "Arn": p["KeyId"], "AWSAccountId": p["KeyId"].split(":")[4],
        "KeyManager": "CUSTOMER", "KeySpec": "SYMMETRIC_DEFAULT",
        "Origin": "EXTERNAL" if p["KeyId"] == imported else "AWS_KMS"}})
    # A bare key id names a key of the caller's account only; imported key material never rotates automatically.
    fake.answer("kms", "GetKeyRotationStatus", lambda p, r: error("NotFoundException", "no such key here")
                if not p["KeyId"].startswith("arn:") else {"KeyRotationEnabled": p["KeyId"] == foreign})
    results = {r.resource: r for r in run("kms.ai_key_rotation", session)}
    assert {k: r.status for k, r in results.items()} == {foreign: "PASS", imported: "NOT_APPLICABLE"}
    assert "EXTERNAL" in results[imported].reason


# --- 9. Serverless endpoints ------------------------------------------------------------------------------------------

def test_serverless_endpoints_need_no_data_capture_vpc_or_network_isolation(account) -> None:  # type: ignore[no-untyped-def]
    session, _ = account
    sm = session.client("sagemaker", HOME)
    for name in ("tiny", "big"):
        sm.create_model(ModelName=name, ExecutionRoleArn=ROLE, PrimaryContainer={"Image": IMAGE})
    sm.create_endpoint_config(EndpointConfigName="tiny-serverless", ProductionVariants=[
        {"VariantName": "main", "ModelName": "tiny",
         "ServerlessConfig": {"MemorySizeInMB": 2048, "MaxConcurrency": 5}}])
    sm.create_endpoint_config(EndpointConfigName="big-instances", ProductionVariants=[
        {"VariantName": "main", "ModelName": "big", "InitialInstanceCount": 2, "InstanceType": "ml.m5.large"}])
    for check_id in ("sagemaker.endpoint_data_capture", "sagemaker.model_in_vpc", "sagemaker.model_network_isolation"):
        results = run(check_id, session)
        serverless = [r for r in results if "tiny" in str(r.resource)]
        instances = [r for r in results if "big" in str(r.resource)]
        assert [r.status for r in serverless] == ["NOT_APPLICABLE"], (check_id, results)
        assert "serverless" in serverless[0].reason
        assert [r.status for r in instances] == ["FAIL"], (check_id, results)


# --- 10. A region without a Bedrock endpoint -------------------------------------------------------------------------

def _region_without_bedrock() -> str | None:
    """A region botocore knows (EC2 is there) without a Bedrock endpoint: ap-east-1 with botocore 1.43."""
    s = boto3.session.Session()
    return next(iter(sorted(set(s.get_available_regions("ec2")) - set(s.get_available_regions("bedrock")))), None)


NO_BEDROCK = _region_without_bedrock()


@pytest.mark.skipif(NO_BEDROCK is None, reason="this botocore has Bedrock in every region")
@pytest.mark.parametrize("check_id", [c.meta.id for c in all_checks()
                                      if any(call.startswith("bedrock") for call in c.meta.api_calls)])
def test_region_without_bedrock_endpoint_is_not_applicable(check_id: str, account) -> None:  # type: ignore[no-untyped-def]
    """Calling Bedrock where botocore's endpoint data has none fails to connect (after the retries)."""
    session, fake = account

    def no_endpoint(model: Any, context: dict[str, Any], **_: Any) -> None:
        if context.get("client_region") == NO_BEDROCK:
            raise EndpointConnectionError(
                endpoint_url=f"https://{model.service_model.endpoint_prefix}.{NO_BEDROCK}.amazonaws.com")
    session.events.register("before-call.bedrock", no_endpoint)
    session.events.register("before-call.bedrock-agent", no_endpoint)
    fake.answer("iam", "ListServiceSpecificCredentials", {"ServiceSpecificCredentials": []})
    results = run(check_id, session, regions=[str(NO_BEDROCK)])
    assert statuses(results) == {"NOT_APPLICABLE"}, results
    assert not [c for c in fake.calls if c[0].startswith("bedrock") and c[2] == NO_BEDROCK]


# --- 11. The large-data delivery bucket of invocation logging ------------------------------------------------------

def test_large_data_delivery_bucket_is_an_ai_data_bucket(account) -> None:  # type: ignore[no-untyped-def]
    session, _ = account
    session.client("bedrock", HOME).put_model_invocation_logging_configuration(loggingConfig={
        "cloudWatchConfig": {"logGroupName": "/bedrock/invocations", "roleArn": ROLE,
                             "largeDataDeliveryS3Config": {"bucketName": "large-prompts", "keyPrefix": "big/"}},
        "textDataDeliveryEnabled": True})
    ctx = AssessContext(session, ACCOUNT, [HOME], home_region=HOME)
    assert ai_buckets(ctx) == {"large-prompts": {"invocation logs"}}
