"""AssessFunction in process on its sample event, in the emulated account: the run completes and its summary is
put on the aidr bus as an ``aidr Assessment`` event."""

from __future__ import annotations

import pytest

from tests.conftest import EVENTS, load_json
from tests.integration.handlers import FakeContext, load_handler
from tests.integration.moto_account import Account


def test_scheduled_run_publishes_its_summary(account: Account, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIDR_ASSESS_REGIONS", "us-east-1")
    event = load_json(EVENTS / "AssessFunction" / "scheduled.json")
    result = load_handler("AssessFunction")(event, FakeContext("AssessFunction"))
    assert result["regions"] == ["us-east-1"] and sum(result["counts"].values()) > 60
    published = [e for e in account.bus_events() if e["detail-type"] == "aidr Assessment"]
    assert published and published[0]["detail"]["kind"] == "summary"
    assert published[0]["detail"]["phase_reached"].keys() == {"infrastructure", "identity-data", "application"}
    assert len(published) == result["events_published"]
