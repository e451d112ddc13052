"""`aidr demo` end to end on the emulated account: each scenario's findings, the §6 document, the HTML report."""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from aidr_cli.main import main

# contracts.md section 6 (the executions' inner shape is only checked when there are executions).
RESPONSE_SCHEMA = {
    "type": "object",
    "required": ["findings", "executions", "rollback"],
    "properties": {
        "findings": {"type": "array", "items": {"type": "object", "required": [
            "id", "detector", "category", "severity", "title", "description", "layer", "phase", "account", "region",
            "principal", "resources", "first_seen", "last_seen", "event_ids", "evidence", "techniques", "playbook"]}},
        "executions": {"type": "array", "items": {
            "type": "object", "required": ["playbook", "finding_id", "status", "steps", "approvals", "actions"],
            "properties": {
                "status": {"enum": ["SUCCEEDED", "FAILED", "ABORTED", "TIMED_OUT"]},
                "steps": {"type": "array", "items": {"type": "object", "required": ["name", "status"]}},
                "approvals": {"type": "array", "items": {"type": "object", "required": ["id", "decision", "by"],
                              "properties": {"decision": {"enum": ["approved", "rejected", "timed_out"]}}}},
                "actions": {"type": "array", "items": {"type": "object", "required": [
                    "action", "target", "applied", "verified", "undone"]}}}}},
        "rollback": {"oneOf": [{"type": "null"}, {"type": "object", "required": ["verified"],
                                                  "properties": {"verified": {"type": "boolean"}}}]},
    },
}

EXPECTED = {  # scenario -> detectors that must fire, and the worst severity among them
    "llmjacking": ({"bedrock.llmjacking_chain", "bedrock.model_recon", "bedrock.console_api_from_keys",
                    "bedrock.model_probing", "bedrock.model_access_grant", "bedrock.invocation_logging_deleted",
                    "bedrock.guardrail_tampering", "bedrock.invocation_region_fanout"}, "critical"),
    "data-poisoning": ({"s3.ai_data_exposure", "s3.training_data_tampering"}, "critical"),
    "prompt-injection-exfil": ({"invocation.prompt_injection", "invocation.sensitive_data_exposure",
                                "invocation.unguarded_invocation"}, "high"),
}
PRINCIPALS = {
    "llmjacking": "arn:aws:iam::111122223333:user/ci-build",
    "data-poisoning": "arn:aws:sts::111122223333:assumed-role/data-analyst/jdoe",
    "prompt-injection-exfil": "arn:aws:sts::111122223333:assumed-role/chat-app/chat-api",
}
RANK = ["informational", "low", "medium", "high", "critical"]


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str, Path]:
    report = tmp_path_factory.mktemp("report")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["demo", "--json", "--approve", "auto", "--report-dir", str(report)])
    assert code == 0, err.getvalue()
    return json.loads(out.getvalue()), err.getvalue(), report / "index.html"


def test_json_document_has_the_contract_shape(demo_run: tuple[dict[str, Any], str, Path]) -> None:
    doc, _, _ = demo_run
    jsonschema.validate(doc, RESPONSE_SCHEMA)


@pytest.mark.parametrize("scenario", sorted(EXPECTED))
def test_scenario_is_contained_after_approval_and_rolled_back(demo_run: tuple[dict[str, Any], str, Path],
                                                             scenario: str) -> None:
    doc, _, _ = demo_run
    ids = {f["id"] for f in doc["findings"] if (f["principal"] or {}).get("arn") == PRINCIPALS[scenario]}
    runs = [e for e in doc["executions"] if e["finding_id"] in ids]
    contained = [e for e in runs if any(a["applied"] for a in e["actions"])]
    assert contained, f"{scenario}: no playbook applied anything"
    for e in contained:
        assert e["status"] == "SUCCEEDED"
        assert [a["decision"] for a in e["approvals"]] == ["approved"]
        assert all(a["verified"] and a["undone"] for a in e["actions"] if a["applied"]), e["actions"]
    assert any(c["scenario"] == scenario for c in doc["changes"])  # containment changed the account...
    assert doc["rollback"] == {"verified": True}  # ...and the rollback put every scenario's account back


def test_rejected_approval_contains_nothing(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["demo", "--scenario", "prompt-injection-exfil", "--json", "--approve", "reject",
                     "--report-dir", str(tmp_path)])
    assert code == 0, err.getvalue()
    doc = json.loads(out.getvalue())
    jsonschema.validate(doc, RESPONSE_SCHEMA)
    assert doc["executions"]
    for e in doc["executions"]:
        assert {a["decision"] for a in e["approvals"]} <= {"rejected"}
        assert not any(a["applied"] for a in e["actions"])
    assert doc["changes"] == []
    assert doc["rollback"] == {"verified": True}  # the account read back unchanged


@pytest.mark.parametrize("scenario", sorted(EXPECTED))
def test_scenario_produces_its_findings(demo_run: tuple[dict[str, Any], str, Path], scenario: str) -> None:
    doc, _, _ = demo_run
    detectors, worst = EXPECTED[scenario]
    mine = [f for f in doc["findings"] if (f["principal"] or {}).get("arn") == PRINCIPALS[scenario]]
    assert detectors <= {f["detector"] for f in mine}
    assert max(RANK.index(f["severity"]) for f in mine) == RANK.index(worst)
    assert all(f["account"] == "111122223333" for f in mine)


def test_benign_traffic_in_scenarios_raises_nothing(demo_run: tuple[dict[str, Any], str, Path]) -> None:
    doc, _, _ = demo_run
    principals = {(f["principal"] or {}).get("arn") for f in doc["findings"]}
    assert principals == set(PRINCIPALS.values())  # the pipeline's nightly write and the app's traffic are not


def test_timeline_goes_to_stderr_with_json(demo_run: tuple[dict[str, Any], str, Path]) -> None:
    _, err, _ = demo_run
    for scenario in EXPECTED:
        assert f"=== scenario {scenario}" in err
    assert "CloudTrail: s3:PutBucketPolicy on ml-training-data-prod" in err
    assert "CRITICAL data-exposure" in err


def test_html_report_is_self_contained(demo_run: tuple[dict[str, Any], str, Path]) -> None:
    doc, _, path = demo_run
    html = path.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert not re.search(r"https?://|//[a-z0-9.-]+\.[a-z]{2,}/|\bsrc\s*=|\bhref\s*=|url\(|@import|<script", html, re.I)
    for f in doc["findings"]:
        assert f["detector"] in html
    assert "Timeline" in html and "Findings" in html and "Containment actions" in html


def test_report_has_no_secret_from_the_scenarios(demo_run: tuple[dict[str, Any], str, Path]) -> None:
    from aidr_cli.demo import load_records

    _, err, path = demo_run
    html = path.read_text(encoding="utf-8")
    leaked = [r for r in load_records("prompt-injection-exfil")
              if r.get("schemaType") and "aws_secret" in json.dumps(r)]
    text = json.dumps(leaked)
    secret = re.search(r"aws_secret_access_key = ([A-Za-z0-9/+]{40})", text.replace("\\n", "\n"))
    assert secret
    assert secret.group(1) not in html and secret.group(1) not in err
