"""bedrock.model_supply_chain: allow-list use, Marketplace sources, deployments of flagged custom models."""

from __future__ import annotations

import copy
from typing import Any

from aidr.config import AidrConfig
from aidr.findings.model import Finding
from aidr_cli.pipeline import run_records
from aidr_cli.template import load_router

from tests.conftest import FIXTURES, load_json

DETECTOR = "bedrock.model_supply_chain"
ROUTER = load_router()
APPROVED = AidrConfig(approved_artifact_sources=["s3://ml-model-artifacts-prod/"])


def _case(name: str, polarity: str = "positive") -> list[dict[str, Any]]:
    return copy.deepcopy(load_json(FIXTURES / DETECTOR / polarity / f"{name}.json")["records"])


def _run(records: list[dict[str, Any]], config: AidrConfig | None = None) -> list[Finding]:
    findings, _ = run_records(records, config, ROUTER)
    return [f for f in findings if f.detector == DETECTOR]


def test_marketplace_model_outside_the_allow_list_is_high() -> None:
    [endpoint] = _case("marketplace_endpoint_without_allow_list", "negative")
    [finding] = _run([endpoint], APPROVED)
    assert finding.severity == "high" and finding.evidence["artifacts"][0]["kind"] == "marketplace-model"


def test_registering_an_own_account_endpoint_is_quiet() -> None:
    [register] = _case("register_endpoint_in_another_account")
    register["requestParameters"]["endpointIdentifier"] = (
        "arn:aws:sagemaker:us-east-1:111122223333:endpoint/helpful-assistant")
    assert not _run([register])


def test_deploying_an_unflagged_custom_model_is_quiet() -> None:
    create, deploy = _case("unapproved_custom_model_deployed")
    create["requestParameters"]["modelSourceConfig"]["s3DataSource"]["s3Uri"] = "s3://ml-model-artifacts-prod/nova/"
    assert not _run([create, deploy], APPROVED)
    assert not _run([deploy], APPROVED)  # a model never seen imported


def test_low_review_findings_are_not_followed_to_deployment() -> None:
    create, deploy = _case("unapproved_custom_model_deployed")
    [finding] = _run([create, deploy])  # no allow-list: the import is low, the deployment adds nothing
    assert finding.severity == "low" and finding.event_ids == [create["eventID"]]


def test_shared_model_copy_is_judged_by_the_allow_list() -> None:
    [copy_job] = _case("shared_model_copied_from_another_account")
    [finding] = _run([copy_job])  # no allow-list: reported low for review
    assert finding.severity == "low" and finding.evidence["artifacts"][0]["reason"] == "foreign-account-model"
    shared = AidrConfig(approved_artifact_sources=["arn:aws:bedrock:us-west-2:444455556666:custom-model/"])
    assert not _run([copy_job], shared)
    copy_job["errorCode"] = "AccessDeniedException"  # a refused copy brought nothing in
    assert not _run([copy_job], APPROVED)
