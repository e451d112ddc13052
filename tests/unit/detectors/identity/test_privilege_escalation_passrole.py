"""sagemaker/bedrock.ai_role_passed_by_new_principal: baselines per role, new passers, trust, re-delivery."""

from __future__ import annotations

import copy
from typing import Any

from aidr.config import AidrConfig
from aidr.findings.model import Finding
from aidr_cli.pipeline import run_records
from aidr_cli.template import load_router

from tests.conftest import FIXTURES, load_json

SAGEMAKER = "sagemaker.ai_role_passed_by_new_principal"
BEDROCK = "bedrock.ai_role_passed_by_new_principal"
ROUTER = load_router()


def _records(detector: str, case: str, polarity: str = "positive") -> list[dict[str, Any]]:
    return copy.deepcopy(load_json(FIXTURES / detector / polarity / f"{case}.json")["records"])


def _run(records: list[dict[str, Any]], detector: str, config: AidrConfig | None = None) -> list[Finding]:
    findings, _ = run_records(records, config, ROUTER)
    return [f for f in findings if f.detector == detector]


def test_first_passer_is_the_baseline() -> None:
    baseline, newcomer = _records(SAGEMAKER, "execution_role_passed_by_new_principal")
    assert not _run([newcomer], SAGEMAKER)  # alone, the contractor is the role's first known passer
    [finding] = _run([baseline, newcomer], SAGEMAKER)
    assert finding.evidence["known_passers"] == 1 and finding.evidence["request_field"] == "rolearn"
    assert finding.event_ids == [newcomer["eventID"]]


def test_one_finding_per_role_and_new_passer_across_requests() -> None:
    baseline, newcomer = _records(SAGEMAKER, "execution_role_passed_by_new_principal")
    again = copy.deepcopy(newcomer)
    again.update(eventID="5b0c0d3e-0000-4000-8000-00000000b001", eventTime="2026-03-04T23:00:00Z")
    assert len(_run([baseline, newcomer, again], SAGEMAKER)) == 1


def test_trusted_passers_are_never_reported() -> None:
    baseline, newcomer = _records(SAGEMAKER, "execution_role_passed_by_new_principal")
    config = AidrConfig(trusted_principals=["arn:aws:sts::111122223333:assumed-role/temp-contractor/*"])
    assert not _run([baseline, newcomer], SAGEMAKER, config)


def test_roles_have_separate_baselines() -> None:
    baseline, newcomer = _records(SAGEMAKER, "execution_role_passed_by_new_principal")
    newcomer["requestParameters"]["roleArn"] = "arn:aws:iam::111122223333:role/scratch-notebook-role"
    assert not _run([baseline, newcomer], SAGEMAKER)


def test_bedrock_agent_role_and_failed_calls() -> None:
    create, update = _records(BEDROCK, "agent_role_passed_by_new_principal")
    assert len(_run([create, update], BEDROCK)) == 1
    update["errorCode"] = "AccessDeniedException"
    assert not _run([create, update], BEDROCK)
