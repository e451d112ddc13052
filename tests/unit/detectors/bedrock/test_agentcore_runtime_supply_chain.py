"""agentcore.runtime_supply_chain: redacted and absent artifacts, refused calls, allow-list against ownership."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from aidr.config import AidrConfig
from aidr.findings.model import Finding
from aidr_cli.pipeline import run_records
from aidr_cli.template import load_router

from tests.conftest import FIXTURES, load_json

DETECTOR = "agentcore.runtime_supply_chain"
ROUTER = load_router()
APPROVED = AidrConfig(approved_artifact_sources=["s3://agentcore-code-prod-111122223333/",
                                                 "111122223333.dkr.ecr.us-east-1.amazonaws.com/agents/"])


def _record(name: str, polarity: str = "positive") -> dict[str, Any]:
    [record] = copy.deepcopy(load_json(FIXTURES / DETECTOR / polarity / f"{name}.json")["records"])
    return record


def _run(records: list[dict[str, Any]], config: AidrConfig | None = None) -> list[Finding]:
    findings, _ = run_records(records, config, ROUTER)
    return [f for f in findings if f.detector == DETECTOR]


@pytest.mark.parametrize("artifact", [
    "HIDDEN_DUE_TO_SECURITY_REASONS",
    {"containerConfiguration": "HIDDEN_DUE_TO_SECURITY_REASONS"},
    {"containerConfiguration": {"containerUri": "HIDDEN_DUE_TO_SECURITY_REASONS"}},
    {"containerConfiguration": {"containerUri": None}},
    {"containerConfiguration": {}},
    {"codeConfiguration": {"code": "HIDDEN_DUE_TO_SECURITY_REASONS"}},
    {"codeConfiguration": {"code": {"s3": {"bucket": "HIDDEN_DUE_TO_SECURITY_REASONS", "prefix": "a.zip"}}}},
    {"codeConfiguration": {"code": {"s3": {"bucket": "scratch-uploads-7731",
                                           "prefix": "HIDDEN_DUE_TO_SECURITY_REASONS"}}}},
    {"codeConfiguration": {"code": {"s3": {"bucket": "scratch-uploads-7731"}}}},
])
def test_redacted_or_absent_artifact_is_skipped(artifact: Any) -> None:
    record = _record("runtime_code_from_unapproved_bucket")
    assert _run([copy.deepcopy(record)], APPROVED)  # reported while CloudTrail keeps the artifact
    record["requestParameters"]["agentRuntimeArtifact"] = artifact
    assert _run([record], APPROVED) == []


@pytest.mark.parametrize("params", [None, "HIDDEN_DUE_TO_SECURITY_REASONS", {}])
def test_redacted_or_absent_request_parameters_are_skipped(params: Any) -> None:
    record = _record("runtime_image_in_another_accounts_registry")
    assert _run([copy.deepcopy(record)], APPROVED)
    record["requestParameters"] = params
    assert _run([record], APPROVED) == []


@pytest.mark.parametrize("error", ["AccessDeniedException", "ValidationException", "ConflictException"])
def test_refused_call_is_not_reported(error: str) -> None:
    record = _record("runtime_image_in_another_accounts_registry")
    assert _run([copy.deepcopy(record)], APPROVED)  # the same call, accepted, is reported
    record.update(errorCode=error, errorMessage="refused", responseElements=None)
    assert _run([record], APPROVED) == []


def test_create_without_response_is_keyed_by_runtime_name() -> None:
    record = _record("runtime_image_in_another_accounts_registry")
    record["responseElements"] = None  # CloudTrail may leave the response out
    [finding] = _run([record])
    assert finding.evidence["agent_runtime"] == "support_agent"
    assert finding.resources[0].id.endswith(":runtime/support_agent")


def test_allow_list_overrides_ownership() -> None:
    own = _record("runtime_image_in_own_registry", "negative")
    assert _run([copy.deepcopy(own)]) == []  # own registry, no allow-list
    config = AidrConfig(approved_artifact_sources=["s3://agentcore-code-prod-111122223333/"])
    [finding] = _run([own], config)  # an allow-list that does not name the registry: high
    assert finding.severity == "high" and finding.evidence["artifacts"][0]["reason"] == "not-approved"
    assert finding.evidence["artifacts"][0]["field"] == "agentRuntimeArtifact.containerConfiguration.containerUri"


def test_code_package_without_allow_list_is_not_judged() -> None:
    # An S3 URI does not show its bucket's owner: like SageMaker artifacts, only an allow-list can judge it.
    record = _record("runtime_code_from_unapproved_bucket")
    assert _run([copy.deepcopy(record)]) == []
    [finding] = _run([record], APPROVED)
    assert finding.evidence["artifacts"][0]["location"] == "s3://scratch-uploads-7731/tmp/support_agent.zip"


def test_redelivery_merges_into_one_finding() -> None:
    record = _record("runtime_code_from_unapproved_bucket")
    assert len(_run([record, copy.deepcopy(record)], APPROVED)) == 1
