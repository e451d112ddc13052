"""The scheduled assessment (AssessFunction): assess the account, export failed checks to Security Hub (ASFF)
and put them on the aidr bus as ``aidr Assessment`` events, with one summary event.

Settings: ``AIDR_EVENT_BUS`` (required), ``AIDR_SECURITY_HUB`` (export when true), ``AIDR_ASSESS_REGIONS``
(comma-separated; default: every enabled region), ``AIDR_ASSESS_LOOKBACK`` (default 200).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

import orjson

from .report import Assessment

DETAIL_TYPE = "aidr Assessment"
MAX_IMPORT = 100  # BatchImportFindings takes at most 100 findings per call


def events(a: Assessment, bus: str) -> list[dict[str, Any]]:
    """PutEvents entries: a summary, then one per failed check result (with its roadmap priority)."""
    from ..normalize.envelope import AIDR_SOURCE

    doc = a.to_json()
    # A region-wide check fails with resource None in each region: the region tells its roadmap entries apart.
    priority = {(r["check"], r["resource"], r["region"]): r for r in doc["roadmap"]}
    summary = {"kind": "summary", "account": a.account, "regions": a.regions, "generated_at": doc["generated_at"],
               "phase_reached": doc["phase_reached"], "counts": a.counts(), "roadmap": doc["roadmap"][:20]}
    details = [summary]
    for c in doc["checks"]:
        if c["status"] == "FAIL":
            r = priority.get((c["id"], c["resource"], c["region"])) or {}
            details.append({"kind": "failed-check", "account": a.account, "generated_at": doc["generated_at"],
                            "check": c, "priority": r.get("priority"), "why": r.get("why")})
    return [{"Source": AIDR_SOURCE, "DetailType": DETAIL_TYPE, "Detail": orjson.dumps(d).decode(),
             "EventBusName": bus} for d in details]


def export_to_security_hub(a: Assessment, client_for: Callable[[str], Any]) -> int:
    """Import the failed checks as ASFF into Security Hub, per region; returns how many were imported.

    Raises
    ------
    ExportFailed
        When Security Hub refuses any finding.
    """
    from ..runtime.errors import ExportFailed
    from .render.asff import to_asff

    docs = to_asff(a, only_failed=True)
    done = 0
    for region in sorted({d["Resources"][0]["Region"] for d in docs}):
        batch = [d for d in docs if d["Resources"][0]["Region"] == region]
        for i in range(0, len(batch), MAX_IMPORT):
            resp = client_for(region).batch_import_findings(Findings=batch[i:i + MAX_IMPORT])
            if resp.get("FailedCount"):
                reasons = "; ".join(f"{f.get('Id')}: {f.get('ErrorCode')} {f.get('ErrorMessage')}"
                                    for f in resp.get("FailedFindings", []))
                raise ExportFailed(f"Security Hub refused {resp['FailedCount']} assessment findings: {reasons}")
            done += int(resp.get("SuccessCount", len(batch[i:i + MAX_IMPORT])))
    return done


def run_scheduled_assessment(
    env: Mapping[str, str] | None = None,
    *,
    session: Any = None,
    clients: Any = None,
    time_left: Callable[[], float] | None = None,
) -> dict[str, Any]:
    """Assess, export and publish; returns a summary for the function's result.

    ``clients`` (:class:`aidr.runtime.Clients`) supplies the ``events`` client; ``session`` the assessed
    credentials (the function's role by default).
    """
    from ..aws import client as make_client
    from ..runtime.clients import Clients
    from ..runtime.publish import put_events
    from ..runtime.settings import Settings
    from .runner import assess

    env = os.environ if env is None else env
    settings = Settings.from_env(env)
    bus = settings.require("event_bus")
    regions = [r.strip() for r in (env.get("AIDR_ASSESS_REGIONS") or "").split(",") if r.strip()] or None
    lookback = int(env.get("AIDR_ASSESS_LOOKBACK") or 200)
    a = assess(session, regions, lookback=lookback)
    clients = clients or Clients()
    imported = 0
    if settings.security_hub:
        imported = export_to_security_hub(
            a, lambda region: session.client("securityhub", region_name=region) if session is not None
            else make_client("securityhub", region))
    published = put_events(events(a, bus), clients("events"), time_left=time_left)
    return {"account": a.account, "regions": a.regions, "counts": a.counts(), "phase_reached": a.phase_reached,
            "security_hub_imported": imported, "events_published": published}
