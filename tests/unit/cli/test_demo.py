"""`aidr demo` replays the bundled scenario through the real detectors and shows what an attack looks like."""

from __future__ import annotations

import json

import pytest
from aidr_cli.main import main


def test_demo_table_shows_the_attack(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "SEVERITY" in out.splitlines()[0]
    assert "logging-tampering" in out


def test_demo_json_is_one_document_of_findings(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    categories = {f["category"] for f in doc["findings"]}
    assert "logging-tampering" in categories
    for f in doc["findings"]:
        assert f["event_ids"], f
