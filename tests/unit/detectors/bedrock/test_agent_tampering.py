"""bedrock.agent_tampering: deletion bursts, editor and ingester baselines, cross-account collaborators."""

from __future__ import annotations

import copy
import uuid
from typing import Any

from aidr.config import AidrConfig
from aidr.findings.model import Finding
from aidr_cli.pipeline import run_records
from aidr_cli.template import load_router

from tests.conftest import FIXTURES, load_json

DETECTOR = "bedrock.agent_tampering"
ROUTER = load_router()


def _case(name: str, polarity: str = "positive") -> list[dict[str, Any]]:
    return copy.deepcopy(load_json(FIXTURES / DETECTOR / polarity / f"{name}.json")["records"])


def _run(records: list[dict[str, Any]], config: AidrConfig | None = None) -> list[Finding]:
    findings, _ = run_records(records, config, ROUTER)
    return [f for f in findings if f.detector == DETECTOR]


def test_deletion_burst_threshold_window_and_redelivery() -> None:
    deletes = _case("knowledge_bases_deleted_in_a_burst")
    assert not _run(deletes[:2])
    [finding] = _run(deletes + copy.deepcopy(deletes))
    assert finding.evidence["count"] == 3 and set(finding.event_ids) == {r["eventID"] for r in deletes}
    deletes[2]["eventTime"] = "2026-03-04T11:00:00Z"  # two hours after the first: no burst
    assert not _run(deletes)


def test_trusted_principals_may_delete_and_ingest() -> None:
    config = AidrConfig(trusted_principals=["arn:aws:sts::111122223333:assumed-role/temp-contractor/*",
                                            "arn:aws:iam::111122223333:user/dev-jsmith"])
    assert not _run(_case("knowledge_bases_deleted_in_a_burst"), config)
    assert not _run(_case("ingestion_started_by_new_principal"), config)


def test_first_editor_is_the_baseline_even_without_create_agent() -> None:
    _create, update, associate = _case("agent_changed_by_new_principal")
    assert not _run([associate])
    assert [f.severity for f in _run([update, associate])] == ["medium"]


def test_collaborator_alias_in_another_account_is_high() -> None:
    _create, _update, associate = _case("agent_changed_by_new_principal")
    collab = copy.deepcopy(associate)
    collab.update(eventName="AssociateAgentCollaborator", eventID=str(uuid.uuid5(uuid.NAMESPACE_URL, "collab")),
                  requestParameters={"agentId": "AGENTEX002", "agentVersion": "DRAFT", "collaboratorName": "helper",
                                     "collaborationInstruction": "Delegate refunds",
                                     "agentDescriptor": {"aliasArn":
                                                         "arn:aws:bedrock:us-east-1:444455556666:agent-alias/X/Y"}})
    [finding] = _run([collab])
    assert finding.severity == "high" and finding.evidence["collaborator_alias"].endswith("agent-alias/X/Y")


def test_data_source_without_owner_is_the_callers_account() -> None:
    [ds] = _case("data_source_bucket_owned_by_another_account")
    del ds["requestParameters"]["dataSourceConfiguration"]["s3Configuration"]["bucketOwnerAccountId"]
    assert not _run([ds])


def test_orchestration_or_parser_lambda_in_another_account_is_high() -> None:
    create, update, _associate = _case("agent_changed_by_new_principal")
    foreign = "arn:aws:lambda:us-east-1:444455556666:function:agent-brain"
    # Custom orchestration: the Lambda decides when the model and the tools run (UpdateAgent customOrchestration).
    update["requestParameters"].update(orchestrationType="CUSTOM_ORCHESTRATION",
                                       customOrchestration={"executor": {"lambda": foreign}})
    [finding] = _run([update])
    assert finding.severity == "high" and finding.evidence["orchestration_lambda"] == foreign
    # A parser Lambda reads every raw model output; CreateAgent can wire it from the start.
    create["requestParameters"]["promptOverrideConfiguration"] = {"overrideLambda": foreign,
                                                                  "promptConfigurations": []}
    [finding] = _run([create])
    assert finding.severity == "high" and finding.evidence["agent_id"] == "AGENTEX002"
    assert finding.evidence["parser_lambda"] == foreign


def test_redacted_or_own_account_agent_lambdas_are_quiet() -> None:
    create, update, _associate = _case("agent_changed_by_new_principal")
    create["requestParameters"]["promptOverrideConfiguration"] = "HIDDEN_DUE_TO_SECURITY_REASONS"
    update["requestParameters"]["customOrchestration"] = {
        "executor": {"lambda": "arn:aws:lambda:us-east-1:111122223333:function:agent-brain"}}
    assert not _run([create, update])
