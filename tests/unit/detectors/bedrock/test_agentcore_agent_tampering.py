"""agentcore.agent_tampering: gateway targets in other accounts or outside AWS, redactions, refused calls."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from aidr.config import AidrConfig
from aidr.detectors.bedrock.agentcore_agent_tampering import detect
from aidr.detectors.context import DetectContext
from aidr.findings.model import Finding
from aidr.normalize.envelope import wrap_cloudtrail
from aidr.state import MemoryState
from aidr_cli.pipeline import run_records
from aidr_cli.template import load_router

from tests.conftest import FIXTURES, load_json

DETECTOR = "agentcore.agent_tampering"
ROUTER = load_router()
FOREIGN_LAMBDA = "arn:aws:lambda:us-east-1:444455556666:function:refund-tools"
TRUSTED = AidrConfig(trusted_principals=["arn:aws:sts::111122223333:assumed-role/agent-platform-deployer/*"])


def _record(name: str, polarity: str = "positive") -> dict[str, Any]:
    return copy.deepcopy(load_json(FIXTURES / DETECTOR / polarity / f"{name}.json")["records"][0])


def _with_config(config: Any) -> dict[str, Any]:
    record = _record("gateway_target_lambda_in_another_account")
    record["requestParameters"]["targetConfiguration"] = config
    return record


def _run(records: list[dict[str, Any]], config: AidrConfig | None = None) -> list[Finding]:
    findings, _ = run_records(records, config, ROUTER)
    return [f for f in findings if f.detector == DETECTOR]


@pytest.mark.parametrize("config", [
    "HIDDEN_DUE_TO_SECURITY_REASONS",
    {"mcp": "HIDDEN_DUE_TO_SECURITY_REASONS"},
    {"mcp": {"lambda": "HIDDEN_DUE_TO_SECURITY_REASONS"}},
    {"mcp": {"lambda": {"lambdaArn": "HIDDEN_DUE_TO_SECURITY_REASONS"}}},
    {"mcp": {"lambda": {"lambdaArn": None}}},
    {"mcp": {"mcpServer": {"endpoint": "HIDDEN_DUE_TO_SECURITY_REASONS"}}},
    {"mcp": {"mcpServer": {}}},
    {"http": {"agentcoreRuntime": {"arn": "HIDDEN_DUE_TO_SECURITY_REASONS"}}},
    {"http": {"passthrough": {"endpoint": "[REDACTED]"}}},
    None,
])
def test_redacted_or_absent_target_configuration_is_skipped(config: Any) -> None:
    assert _run([_with_config({"mcp": {"lambda": {"lambdaArn": FOREIGN_LAMBDA}}})])  # reported while kept
    assert _run([_with_config(config)]) == []


@pytest.mark.parametrize("params", [None, "HIDDEN_DUE_TO_SECURITY_REASONS", {}])
def test_redacted_or_absent_request_parameters_are_skipped(params: Any) -> None:
    record = _record("gateway_target_lambda_in_another_account")
    assert _run([copy.deepcopy(record)])
    record["requestParameters"] = params
    assert _run([record]) == []


@pytest.mark.parametrize("case", ["gateway_target_lambda_in_another_account", "gateway_target_external_mcp_server"])
@pytest.mark.parametrize("error", ["AccessDeniedException", "ValidationException"])
def test_refused_call_is_not_reported(case: str, error: str) -> None:
    record = _record(case)
    assert _run([copy.deepcopy(record)])  # the same call, accepted, is reported
    record.update(errorCode=error, errorMessage="refused", responseElements=None)
    assert _run([record]) == []


def test_foreign_lambda_is_high_even_from_a_trusted_principal() -> None:
    [finding] = _run([_record("gateway_target_lambda_in_another_account")], TRUSTED)
    assert finding.severity == "high" and finding.evidence["lambda"] == FOREIGN_LAMBDA
    assert finding.evidence["trusted_principal"] is True and finding.evidence["target_account"] == "444455556666"


def test_external_mcp_server_is_medium_unless_trusted() -> None:
    record = _record("gateway_target_external_mcp_server")
    [finding] = _run([copy.deepcopy(record)])
    assert finding.severity == "medium" and finding.evidence["host"] == "mcp.tools-hub.example.net"
    assert finding.evidence["target_id"] == "K8B2Q4W7ZN"
    trusted = AidrConfig(trusted_principals=["arn:aws:sts::111122223333:assumed-role/temp-contractor/*"])
    assert _run([record], trusted) == []


def test_runtime_target_in_another_account_is_high() -> None:
    runtime = "arn:aws:bedrock-agentcore:us-east-1:444455556666:runtime/helper_agent-a1B2c3D4e5"
    [finding] = _run([_with_config({"http": {"agentcoreRuntime": {"arn": runtime}}})])
    assert finding.severity == "high" and finding.evidence["agentcore_runtime"] == runtime
    own = runtime.replace("444455556666", "111122223333")
    assert _run([_with_config({"http": {"agentcoreRuntime": {"arn": own}}})]) == []


def test_mcp_server_on_another_accounts_runtime_is_high() -> None:
    url = ("https://bedrock-agentcore.us-east-1.amazonaws.com/runtimes/arn%3Aaws%3Abedrock-agentcore%3Aus-east-1"
           "%3A444455556666%3Aruntime%2Fhelper_agent-a1B2c3D4e5/invocations?qualifier=DEFAULT")
    [finding] = _run([_with_config({"mcp": {"mcpServer": {"endpoint": url}}})], TRUSTED)
    assert finding.severity == "high" and finding.evidence["target_account"] == "444455556666"


def test_passthrough_endpoint_outside_aws_is_medium() -> None:
    config = {"http": {"passthrough": {"endpoint": "https://a2a.partner.example.org/agent", "protocolType": "A2A"}}}
    [finding] = _run([_with_config(config)])
    assert finding.severity == "medium" and finding.evidence["host"] == "a2a.partner.example.org"


def test_create_without_response_still_names_the_gateway() -> None:
    record = _record("gateway_target_lambda_in_another_account")
    record["responseElements"] = None
    [finding] = _run([record])
    assert finding.resources[0].id.endswith(":gateway/support-tools-gw-8k2mq4zx1c")
    assert finding.evidence["target_id"] is None


# ------------------------------------------------------------------ runtime role and network (UpdateAgentRuntime)
def _runtime_pair() -> tuple[dict[str, Any], dict[str, Any]]:
    create, update = copy.deepcopy(load_json(
        FIXTURES / DETECTOR / "positive" / "runtime_role_replaced_and_vpc_left.json")["records"])
    return create, update


def test_role_swap_and_vpc_exit_are_one_medium_finding() -> None:
    create, update = _runtime_pair()
    [finding] = _run([create, update])
    assert finding.severity == "medium" and set(finding.evidence["changes"]) == {"role", "network_mode"}
    assert finding.evidence["baseline_event_id"] == create["eventID"] and finding.event_ids == [update["eventID"]]


def test_update_without_a_known_baseline_is_quiet() -> None:
    create, update = _runtime_pair()
    assert _run([update]) == []
    assert _run([create, update])


def test_create_delivered_after_the_update_does_not_become_the_baseline() -> None:
    # Lambda sees events in delivery order (replay sorts them): the older create must not overwrite the update.
    create, update = _runtime_pair()
    ctx = DetectContext(config=AidrConfig(), state=MemoryState())
    later = copy.deepcopy(update)
    later["eventID"] = "5b7e0c3a-2222-4d1e-8f90-a1b2c3d4e5f6"
    later["eventTime"] = "2026-05-12T15:00:00Z"
    seen = [list(detect(wrap_cloudtrail(r), ctx)) for r in (update, create, later)]
    assert seen == [[], [], []]
    ctx = DetectContext(config=AidrConfig(), state=MemoryState())
    seen = [list(detect(wrap_cloudtrail(r), ctx)) for r in (create, update)]
    assert [len(s) for s in seen] == [0, 1]


@pytest.mark.parametrize("role", ["HIDDEN_DUE_TO_SECURITY_REASONS", None, "not-an-arn"])
def test_redacted_role_and_network_are_not_changes(role: Any) -> None:
    create, update = _runtime_pair()
    update["requestParameters"].update(roleArn=role, networkConfiguration="HIDDEN_DUE_TO_SECURITY_REASONS")
    assert _run([create, update]) == []


def test_refused_update_is_not_reported_and_leaves_the_baseline() -> None:
    create, update = _runtime_pair()
    refused = copy.deepcopy(update)
    refused.update(errorCode="AccessDeniedException", errorMessage="refused", responseElements=None,
                   eventID="0c6f1d7e-1111-4a2b-9c3d-5e6f7a8b9c0d")
    assert _run([create, refused]) == []
    assert _run([create, refused, update])  # the accepted update is still compared with the create


def test_create_without_response_is_the_baseline_by_name() -> None:
    create, update = _runtime_pair()
    create["responseElements"] = None  # CloudTrail may leave the response out: only agentRuntimeName is known
    assert _run([create, update])
