"""Names and files agree: DetectBedrockFunction <-> functions/detect_bedrock/app.py:handler, and the template
provides what the runtime contract and samconfig.toml expect."""

from __future__ import annotations

import ast
import tomllib
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.template.cfn import FUNCTION, code_dir, functions, of_type

# The runtime contract's environment (values are resources or parameters of the template).
CONTRACT_ENV = {
    "AIDR_CONFIG_PARAMETER": {"Ref": "ConfigParameterName"},
    "AIDR_STATE_TABLE": {"Ref": "StateTable"},
    "AIDR_FINDINGS_TABLE": {"Ref": "FindingsTable"},
    "AIDR_EVENT_BUS": {"Ref": "AidrEventBus"},
    "AIDR_TOPIC_ARN": {"Ref": "FindingsTopic"},
    "AIDR_SECURITY_HUB": {"Ref": "EnableSecurityHubExport"},
    "AIDR_NOTIFY_MIN_SEVERITY": {"Ref": "NotifyMinSeverity"},
    "AIDR_PHASE": {"Ref": "MaturityPhase"},
    "AIDR_RESPONSE_MODE": {"Ref": "ResponseMode"},
    "POWERTOOLS_SERVICE_NAME": "aidr",
    "POWERTOOLS_METRICS_NAMESPACE": "aidr",
    "POWERTOOLS_LOG_LEVEL": "INFO",
}


@pytest.mark.parametrize(("logical_id", "expected"), [
    ("DetectBedrockFunction", "functions/detect_bedrock/"),
    ("DetectSageMakerFunction", "functions/detect_sagemaker/"),
    ("DetectGuardDutyFunction", "functions/detect_guardduty/"),
    ("RecordFindingFunction", "functions/record_finding/"),
])
def test_code_dir_convention(logical_id: str, expected: str) -> None:
    assert code_dir(logical_id) == expected


def test_code_uri_follows_the_logical_id(template: dict[str, Any]) -> None:
    for lid, p in functions(template).items():
        assert p["CodeUri"] == code_dir(lid), lid
        assert p["Handler"] == "app.handler", lid


def _defines_handler(source: str) -> bool:
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == "handler":
            return True
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "handler" for t in node.targets):
            return True
    return False


def test_every_function_has_its_handler(template: dict[str, Any]) -> None:
    missing = []
    for lid in of_type(template, FUNCTION):
        app = ROOT / code_dir(lid) / "app.py"
        if not app.is_file() or not _defines_handler(app.read_text(encoding="utf-8")):
            missing.append(f"{lid}: {app.relative_to(ROOT)} defines no module-level `handler`")
    assert not missing, "\n".join(missing)


def test_no_function_folder_without_a_function(template: dict[str, Any]) -> None:
    declared = {code_dir(lid) for lid in of_type(template, FUNCTION)}
    folders = {f"functions/{p.name}/" for p in (ROOT / "functions").iterdir() if p.is_dir() and p.name[0] != "_"}
    assert folders <= declared


def test_globals_carry_the_runtime_contract(template: dict[str, Any]) -> None:
    for lid, p in functions(template).items():
        assert p["Runtime"] == "python3.12" and p["Tracing"] == "Active", lid
        assert p["Layers"] == [{"Ref": "LibraryLayer"}], lid
        env = p["Environment"]["Variables"]
        assert {k: env.get(k) for k in CONTRACT_ENV} == CONTRACT_ENV, lid


def test_parameters_offer_the_documented_choices(template: dict[str, Any]) -> None:
    params = template["Parameters"]
    assert params["MaturityPhase"]["AllowedValues"] == ["foundational", "enhanced", "advanced"]
    assert params["ResponseMode"]["AllowedValues"] == ["notify", "approve", "auto"]
    assert params["NotifyMinSeverity"]["AllowedValues"] == ["informational", "low", "medium", "high", "critical"]
    assert params["EnableSecurityHubExport"]["AllowedValues"] == ["true", "false"]
    assert params["NotificationEmail"]["Default"] == ""
    assert params["ConfigParameterName"]["Default"].startswith("/")


def test_optional_resources_hang_on_their_conditions(template: dict[str, Any]) -> None:
    res = template["Resources"]
    assert res["NotificationEmailSubscription"]["Condition"] == "HasNotificationEmail"
    assert res["ConfigParameter"]["Condition"] == "CreateConfig"
    assert res["ConfigParameter"]["Properties"]["Name"] == {"Ref": "ConfigParameterName"}


def test_samconfig_environments() -> None:
    cfg = tomllib.loads((ROOT / "samconfig.toml").read_text(encoding="utf-8"))
    for env, phase, mode in (("default", "foundational", "notify"), ("prod", "advanced", "approve")):
        deploy = cfg[env]["deploy"]["parameters"]
        assert deploy["resolve_s3"] is True and "CAPABILITY_IAM" in deploy["capabilities"], env
        overrides = dict(kv.split("=", 1) for kv in deploy["parameter_overrides"].split())
        assert overrides["MaturityPhase"].strip('"') == phase, env
        assert overrides["ResponseMode"].strip('"') == mode, env
        assert cfg[env]["global"]["parameters"]["stack_name"], env
    assert cfg["default"]["global"]["parameters"]["stack_name"] != cfg["prod"]["global"]["parameters"]["stack_name"]


def test_samconfig_overrides_name_real_parameters(template: dict[str, Any]) -> None:
    cfg = tomllib.loads((ROOT / "samconfig.toml").read_text(encoding="utf-8"))
    for env in ("default", "prod"):
        overrides = cfg[env]["deploy"]["parameters"]["parameter_overrides"].split()
        assert {kv.split("=", 1)[0] for kv in overrides} <= set(template["Parameters"]), env
