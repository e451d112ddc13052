"""sagemaker.model_supply_chain: registries, allow-lists, following a model to deployment, approvers."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from aidr.config import AidrConfig
from aidr.detectors.sagemaker.artifacts import Artifact, judge
from aidr.findings.model import Finding
from aidr_cli.pipeline import run_records
from aidr_cli.template import load_router

from tests.conftest import FIXTURES, load_json

DETECTOR = "sagemaker.model_supply_chain"
ROUTER = load_router()
ACCOUNT = "111122223333"


def _case(name: str, polarity: str = "positive") -> list[dict[str, Any]]:
    return copy.deepcopy(load_json(FIXTURES / DETECTOR / polarity / f"{name}.json")["records"])


def _run(records: list[dict[str, Any]], config: AidrConfig | None = None) -> list[Finding]:
    findings, _ = run_records(records, config, ROUTER)
    return [f for f in findings if f.detector == DETECTOR]


@pytest.mark.parametrize(
    ("image", "reason"),
    [
        ("docker.io/someone/llm-server:latest", "external-registry"),
        ("public.ecr.aws/example/llm:1", "external-registry"),
        ("444455556666.dkr.ecr.eu-west-1.amazonaws.com/x:1", "foreign-account-registry"),
        ("111122223333.dkr.ecr.us-east-1.amazonaws.com/x:1", None),
        ("683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1", None),
    ],
)
def test_images_without_an_allow_list(image: str, reason: str | None) -> None:
    verdict = judge(Artifact("image", image, "image"), ACCOUNT, AidrConfig())
    assert (verdict.reason if verdict else None) == reason


def test_allow_list_prefixes_and_wildcards() -> None:
    config = AidrConfig(approved_artifact_sources=["s3://ml-model-artifacts-prod/",
                                                   "*.dkr.ecr.*.amazonaws.com/approved/*"])
    ok = [Artifact("model-data", "s3://ml-model-artifacts-prod/a/model.tar.gz", "f"),
          Artifact("image", "444455556666.dkr.ecr.us-east-1.amazonaws.com/approved/llm:2", "f")]
    bad = Artifact("model-data", "s3://ml-model-artifacts-prod-copy/a.tgz", "f")
    assert [judge(a, ACCOUNT, config) for a in ok] == [None, None]
    assert judge(bad, ACCOUNT, config).severity == "high"  # type: ignore[union-attr]


def test_s3_artifacts_are_not_judged_without_an_allow_list() -> None:
    assert judge(Artifact("model-data", "s3://anything/model.tgz", "f"), ACCOUNT, AidrConfig()) is None


def test_creation_alone_is_medium_and_deployment_raises_it() -> None:
    model, config, endpoint = _case("foreign_ecr_image_followed_to_endpoint")
    [created] = _run([model])
    assert created.severity == "medium"
    [deployed] = _run([model, config, endpoint])
    assert deployed.id == created.id and deployed.severity == "high"
    assert set(deployed.event_ids) == {model["eventID"], config["eventID"], endpoint["eventID"]}


def test_update_endpoint_to_a_flagged_config_is_followed() -> None:
    model, config, endpoint = _case("foreign_ecr_image_followed_to_endpoint")
    endpoint["eventName"] = "UpdateEndpoint"
    [finding] = _run([model, config, endpoint])
    assert endpoint["eventID"] in finding.event_ids
    assert any(r.type == "AWS::SageMaker::Endpoint" for r in finding.resources)


def test_marketplace_model_package_from_another_account_is_low() -> None:
    [model] = _case("aws_dlc_image_and_own_artifacts", "negative")[:1]
    model["requestParameters"]["primaryContainer"] = {
        "modelPackageName": "arn:aws:sagemaker:us-east-1:865070037744:model-package/example-llm-v1"}
    assert [f.severity for f in _run([model])] == ["low"]


def test_training_image_from_another_account() -> None:
    job = copy.deepcopy(load_json(FIXTURES / "s3.training_data_tampering" / "positive" /
                                  "copy_restores_older_version_of_training_file.json")["records"][0])
    assert not _run([job])  # an AWS framework image
    job["requestParameters"]["algorithmSpecification"]["trainingImage"] = (
        "444455556666.dkr.ecr.us-east-1.amazonaws.com/trainer:1")
    assert [f.severity for f in _run([job])] == ["medium"]


def test_first_approver_reported_only_when_trusted_principals_say_who_approves() -> None:
    first = _case("model_package_approved_by_new_principal")[2]
    assert not _run([first])
    config = AidrConfig(trusted_principals=["arn:aws:sts::111122223333:assumed-role/mlops-approver/*"])
    assert [f.severity for f in _run([first], config)] == ["medium"]


def test_trusted_new_approver_is_not_reported() -> None:
    records = _case("model_package_approved_by_new_principal")
    config = AidrConfig(trusted_principals=["arn:aws:iam::111122223333:user/dev-jsmith",
                                            "arn:aws:sts::111122223333:assumed-role/mlops-approver/*"])
    assert not _run(records, config)


def _inference_component(endpoint_rec: dict[str, Any], spec: dict[str, Any], update: bool = False) -> dict[str, Any]:
    """CreateInferenceComponent / UpdateInferenceComponent (API reference): the model or container comes in
    ``Specification``; the endpoint's config names no model, so nothing is deployed through CreateEndpointConfig."""
    rec = copy.deepcopy(endpoint_rec)
    rec["eventName"] = "UpdateInferenceComponent" if update else "CreateInferenceComponent"
    rec["eventID"] = rec["eventID"][:-4] + ("0002" if update else "0001")
    rec["requestParameters"] = {"inferenceComponentName": "summarizer-ic", "specification": spec,
                                "runtimeConfig": {"copyCount": 1}}
    if not update:
        rec["requestParameters"].update(endpointName="llm-shared", variantName="AllTraffic")
    return rec


def test_inference_component_deploying_a_flagged_model_is_followed() -> None:
    model, _, endpoint = _case("foreign_ecr_image_followed_to_endpoint")
    spec = {"modelName": "summarizer-v2", "computeResourceRequirements": {"minMemoryRequiredInMb": 1024}}
    create = _inference_component(endpoint, spec)
    [finding] = _run([model, create])
    assert finding.severity == "high" and create["eventID"] in finding.event_ids
    assert any(r.type == "AWS::SageMaker::Endpoint" and r.id.endswith("endpoint/llm-shared") for r in finding.resources)
    update = _inference_component(endpoint, spec, update=True)
    [finding] = _run([model, update])
    assert update["eventID"] in finding.event_ids
    assert any(r.type == "AWS::SageMaker::InferenceComponent" for r in finding.resources)
    assert not _run([_inference_component(endpoint, {**spec, "modelName": "other-model"})])


def test_inference_component_container_is_judged_and_serves_at_once() -> None:
    _, _, endpoint = _case("foreign_ecr_image_followed_to_endpoint")
    own = {"container": {"image": "763104351884.dkr.ecr.us-east-1.amazonaws.com/djl-inference:0.29.0-lmi11.0.0-cu124",
                         "artifactUrl": "s3://ml-model-artifacts-prod/llm/model.tar.gz"}}
    assert not _run([_inference_component(endpoint, own)])
    foreign = {"container": {"image": "444455556666.dkr.ecr.us-east-1.amazonaws.com/llm-serve:latest"}}
    [finding] = _run([_inference_component(endpoint, foreign)])
    assert finding.severity == "high"  # an inference component is live on its endpoint when created
    assert finding.evidence["artifacts"][0]["field"] == "specification.container.image"
    config = AidrConfig(approved_artifact_sources=["763104351884.dkr.ecr."])
    [finding] = _run([_inference_component(endpoint, own)], config)
    assert [a["field"] for a in finding.evidence["artifacts"]] == ["specification.container.artifactUrl"]
