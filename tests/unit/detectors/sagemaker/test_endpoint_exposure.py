"""sagemaker.endpoint_exposure: what counts as weaker, unknown baselines, re-delivery."""

from __future__ import annotations

import copy
from typing import Any

from aidr.config import AidrConfig
from aidr.findings.model import Finding
from aidr_cli.pipeline import run_records
from aidr_cli.template import load_router

from tests.conftest import FIXTURES, load_json

DETECTOR = "sagemaker.endpoint_exposure"
ROUTER = load_router()


def _case(name: str, polarity: str = "positive") -> list[dict[str, Any]]:
    return copy.deepcopy(load_json(FIXTURES / DETECTOR / polarity / f"{name}.json")["records"])


def _run(records: list[dict[str, Any]], config: AidrConfig | None = None) -> list[Finding]:
    findings, _ = run_records(records, config, ROUTER)
    return [f for f in findings if f.detector == DETECTOR]


def test_every_lost_protection_is_named() -> None:
    [finding] = _run(_case("endpoint_moved_to_weaker_config"))
    assert set(finding.evidence["lost"]) == {"KMS key removed", "data capture disabled",
                                             "network isolation removed", "VPC removed"}


def test_only_data_capture_turned_off() -> None:
    records = _case("endpoint_moved_to_equally_protected_config", "negative")
    records[4]["requestParameters"]["dataCaptureConfig"]["enableCapture"] = False
    [finding] = _run(records)
    assert finding.evidence["lost"] == ["data capture disabled"]


def test_update_to_an_unknown_config_says_nothing() -> None:
    records = _case("endpoint_moved_to_weaker_config")
    del records[4]  # the weaker config was created before aidr watched
    assert not _run(records)


def test_redelivered_update_does_not_compare_against_itself() -> None:
    records = _case("endpoint_moved_to_weaker_config")
    [finding] = _run([*records, copy.deepcopy(records[-1])])
    assert finding.event_ids == [records[-1]["eventID"]]


def test_trusted_principal_weakening_is_low() -> None:
    config = AidrConfig(trusted_principals=["arn:aws:sts::111122223333:assumed-role/temp-contractor/*"])
    assert [f.severity for f in _run(_case("model_recreated_without_vpc"), config)] == ["low"]


def test_inference_component_endpoint_config_carries_its_own_isolation_and_vpc() -> None:
    """For inference-component endpoints CreateEndpointConfig itself takes EnableNetworkIsolation and VpcConfig
    ("whether all model containers deployed to the endpoint are isolated"); its variants name no model."""
    records = _case("endpoint_moved_to_weaker_config")
    _, strong, create, _, weak, update = copy.deepcopy(records)
    for cfg in (strong, weak):
        del cfg["requestParameters"]["productionVariants"][0]["modelName"]
    strong["requestParameters"].update(
        enableNetworkIsolation=True, executionRoleArn="arn:aws:iam::111122223333:role/ic",
        vpcConfig={"securityGroupIds": ["sg-0123456789abcdef0"], "subnets": ["subnet-0a1b2c3d4e5f67890"]})
    [finding] = _run([strong, create, weak, update])
    assert set(finding.evidence["lost"]) == {"KMS key removed", "data capture disabled",
                                             "network isolation removed", "VPC removed"}
    # The endpoint-level settings of a model-based config add to its models' own, never count against them.
    plain = [r for r in records if r["eventName"] != "CreateModel" or r["requestParameters"]["modelName"] == "fraud-v5"]
    [finding] = _run(plain)
    assert set(finding.evidence["lost"]) == {"KMS key removed", "data capture disabled"}
