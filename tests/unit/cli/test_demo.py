"""`aidr demo` shows an attack, as a timeline or as one JSON document (full coverage: tests/integration/embedded)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aidr_cli.main import main


def test_demo_timeline_shows_the_attack(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["demo", "--scenario", "data-poisoning", "--approve", "reject", "--report-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "=== scenario data-poisoning" in out.splitlines()[1]
    assert "CRITICAL data-exposure" in out
    assert (tmp_path / "index.html").is_file()


def test_demo_json_is_one_document_of_findings(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["demo", "--scenario", "data-poisoning", "--json", "--approve", "reject",
                 "--report-dir", str(tmp_path)]) == 0
    doc = json.loads(capsys.readouterr().out)
    categories = {f["category"] for f in doc["findings"]}
    assert "data-exposure" in categories
    for f in doc["findings"]:
        assert f["event_ids"], f
