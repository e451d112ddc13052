"""The scheduled assessment: failed checks to Security Hub (ASFF) and the bus (``aidr Assessment``)."""

from __future__ import annotations

import json

import pytest
from aidr.assess.scheduled import DETAIL_TYPE, run_scheduled_assessment
from aidr.errors import ConfigError
from aidr.runtime import Clients

from . import seeds


def test_failed_checks_go_to_security_hub_and_the_bus(account) -> None:  # type: ignore[no-untyped-def]
    session, fake = account
    seeds.more_gaps(session, fake)
    events = session.client("events", region_name="us-east-1")
    events.create_event_bus(Name="aidr-bus")
    sent: list[dict] = []
    real_put = events.put_events

    def put_events(Entries):  # type: ignore[no-untyped-def]
        sent.extend(Entries)
        return real_put(Entries=Entries)
    events.put_events = put_events
    hub = session.client("securityhub", region_name="us-east-1")
    hub.enable_security_hub()
    env = {"AIDR_EVENT_BUS": "aidr-bus", "AIDR_SECURITY_HUB": "true", "AIDR_ASSESS_REGIONS": "us-east-1"}
    result = run_scheduled_assessment(env, session=session, clients=Clients(events=events))
    failed = result["counts"]["FAIL"]
    assert failed >= len(seeds.MORE_GAPS)
    assert result["security_hub_imported"] == failed
    assert result["events_published"] == failed + 1 == len(sent)
    assert {e["DetailType"] for e in sent} == {DETAIL_TYPE}
    kinds = [json.loads(e["Detail"])["kind"] for e in sent]
    assert kinds[0] == "summary" and set(kinds[1:]) == {"failed-check"}
    findings = hub.get_findings(Filters={"ComplianceStatus": [{"Value": "FAILED", "Comparison": "EQUALS"}]})
    assert findings["Findings"]


def test_the_bus_is_required() -> None:
    with pytest.raises(ConfigError, match="AIDR_EVENT_BUS"):
        run_scheduled_assessment({})
