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


def test_a_region_wide_check_failing_in_two_regions_keeps_each_regions_priority() -> None:
    """A region-level check has no resource: its results in two regions are told apart by their region (in the
    JSON document of contracts.md section 8 too), so each failed-check event carries its own region's roadmap
    entry, not the other region's."""
    from aidr.assess.model import CheckMeta, Result
    from aidr.assess.report import Assessment, Entry
    from aidr.assess.scheduled import events

    meta = CheckMeta(id="guardduty.ai_protection", title="GuardDuty AI Protection is on", layer="infrastructure",
                     phase="enhanced", severity="medium", api_calls=("guardduty:ListDetectors",),
                     remediation="Enable the AI_PROTECTION feature.")
    entries = [Entry(meta, Result("FAIL", f"{r}: GuardDuty AI Protection is off", None, r, exposure=e))
               for r, e in (("us-east-1", 1), ("eu-west-1", 3))]
    a = Assessment("111122223333", ["us-east-1", "eu-west-1"], entries)
    doc = a.to_json()
    assert [c["region"] for c in doc["checks"]] == ["us-east-1", "eu-west-1"]
    assert sorted(r["region"] for r in doc["roadmap"]) == ["eu-west-1", "us-east-1"]
    failed = [json.loads(e["Detail"]) for e in events(a, "aidr-bus")][1:]
    assert len(failed) == 2
    for d in failed:
        region = d["check"]["region"]
        assert region in d["why"] and d["priority"] == (1 if region == "eu-west-1" else 2), d
