"""`aidr replay --respond` on the bundled LLMjacking + bucket-exposure scenario: the playbooks run on an emulated
account, approvals are asked and given, actions applied and verified, and the rollback restores the prior state."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest
from aidr_cli.main import main

SCENARIO = Path(str(resources.files("aidr_cli") / "scenarios" / "llmjacking-bucket-exposure.jsonl"))


def test_respond_json_document_contains_and_rolls_back(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replay", "--respond", "--format", "json", str(SCENARIO)]) == 0
    captured = capsys.readouterr()
    try:
        doc = json.loads(captured.out)
    except ValueError:  # show what polluted stdout
        pytest.fail(f"stdout is not one JSON document: {captured.out[:2000]!r}")
    assert set(doc) == {"findings", "executions", "rollback"}
    by_playbook = {e["playbook"] for e in doc["executions"]}
    assert by_playbook == {"revoke-principal", "restore-logging", "quarantine-bucket"}
    for ex in doc["executions"]:
        assert ex["status"] == "SUCCEEDED" and ex["outcome"] == "contained", ex
        assert ex["finding_id"] in {f["id"] for f in doc["findings"]}
        assert all(a["applied"] and a["verified"] and a["undone"] for a in ex["actions"]), ex
        names = {s["name"] for s in ex["steps"]}
        assert names >= {"Guard", "Snapshot", "Decide", "Record", "Notify"} and names & {"Verify", "VerifyNow"}
    asked = [a for ex in doc["executions"] for a in ex["approvals"]]
    assert asked and all(a["decision"] == "approved" and a["by"].endswith(":role/aidr-oncall") for a in asked)
    quarantine = next(e for e in doc["executions"] if e["playbook"] == "quarantine-bucket")
    assert quarantine["actions"][0]["target"] == "arn:aws:s3:::acme-training-data"
    assert doc["rollback"]["verified"] is True and doc["rollback"]["state_restored"] is True


def test_respond_table_with_rejections_changes_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replay", "--respond", "--approve", "reject", str(SCENARIO)]) == 0
    out = capsys.readouterr().out
    assert "Response: " in out and "rejected  by arn:aws:iam::111122223333:role/aidr-oncall" in out
    assert "applied=yes" not in out
    assert "verified: NO" in out  # nothing was applied, so no rollback verified anything


def test_respond_refused_playbook_is_reported_not_logged_as_an_interpreter_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> None:
    """A guard's refusal is an outcome, shown in the runs; moto's interpreter must not dump its Fail state (a
    multi-kilobyte internal repr) on stderr for it, as `aidr demo` already keeps it from doing."""
    fixture = Path(__file__).parents[2] / "fixtures" / "bedrock.invocation_logging_deleted" / "positive"
    records = json.loads((fixture / "delete_by_root.json").read_text())["records"]
    path = tmp_path / "ct.json"
    path.write_text(json.dumps({"Records": records}))
    assert main(["replay", "--respond", str(path)]) == 0
    captured = capsys.readouterr()
    assert "restore-logging" in captured.out and "(refused)" in captured.out
    noise = [r for r in caplog.records if r.name.startswith("moto.stepfunctions")]
    assert not noise and "FailureEventException" not in captured.err, (noise[:1], captured.err[:500])
