"""The demo's timeline: what happened, in order, from the event to the verified rollback.

Built from what the emulated account really did (deliveries by rule, handler results, executions), never from
what the demo expects to happen.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, TextIO

from aidr.normalize.envelope import GUARDDUTY_FINDING, INVOCATION_LOG

from .delivery import Delivery

KINDS = ("event", "finding", "playbook", "step", "approval", "action", "verification", "rollback", "note")
_MARK = {"event": "●", "finding": "▲", "playbook": "▶", "step": "·", "approval": "?", "action": "✎",
         "verification": "✓", "rollback": "↺", "note": "i"}


@dataclass
class Entry:
    kind: str
    scenario: str
    at: str  # RFC 3339 of the event, or "" for steps of the response run
    text: str
    data: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def describe_event(event: dict[str, Any]) -> str:
    """One line for an event as delivered: who did what, from where."""
    d = event.get("detail") or {}
    if event.get("detail-type") == INVOCATION_LOG:
        who = _short_arn((d.get("identity") or {}).get("arn"))
        return f"invocation log: {d.get('operation', '?')} {d.get('modelId', '?')} by {who}"
    if event.get("detail-type") == GUARDDUTY_FINDING:
        return f"GuardDuty: {d.get('type', '?')} (severity {d.get('severity', '?')})"
    ident = d.get("userIdentity") or {}
    who = _short_arn(ident.get("arn")) or ident.get("type", "?")
    svc = str(d.get("eventSource", "?")).split(".", 1)[0]
    err = f" -> {d['errorCode']}" if d.get("errorCode") else ""
    target = (d.get("requestParameters") or {}).get("bucketName") or (d.get("requestParameters") or {}).get("modelId")
    where = f" on {target}" if target else ""
    return f"CloudTrail: {svc}:{d.get('eventName', '?')}{where} by {who} from {d.get('sourceIPAddress', '?')}{err}"


def _short_arn(arn: Any) -> str:
    return arn.split(":", 5)[-1] if isinstance(arn, str) and arn.startswith("arn:") else str(arn or "")


def entries_for_event(scenario: str, event: dict[str, Any], deliveries: list[Delivery]) -> list[Entry]:
    """The event line, the detector functions it reached, the findings they produced and what they started."""
    at = str(event.get("time", ""))
    reached = [f"{d.target} (rule {d.rule})" for d in deliveries if d.event is event and d.kind == "function"]
    out = [Entry("event", scenario, at, describe_event(event),
                 {"routed_to": reached, "event_id": (event.get("detail") or {}).get("eventID")
                  or (event.get("detail") or {}).get("requestId")})]
    for d in deliveries:
        if d.error:
            out.append(Entry("note", scenario, at, f"{d.target} failed on the event: {d.error}", {"rule": d.rule}))
        elif d.kind == "function" and isinstance(d.result, dict) and "new" in d.result:  # the recorder's answer
            out.append(_finding_entry(scenario, at, d))
        elif d.kind == "function" and isinstance(d.result, dict) and d.result.get("playbook"):  # the starter's
            r = d.result
            state = "started" if r.get("started") else "already running (same finding)" if r.get("duplicate") \
                else "not started"
            out.append(Entry("playbook", scenario, at, f"{r['playbook']} {state} by {d.target}",
                             {"rule": d.rule, "finding_id": r.get("finding_id"), "started": bool(r.get("started")),
                              "execution_arn": r.get("execution_arn")}))
        elif d.kind == "state-machine":
            f = d.event.get("detail") or {}
            out.append(Entry("playbook", scenario, at, f"{d.target} started for {f.get('detector', 'the finding')}",
                             {"rule": d.rule, **(d.result or {})}))
    return out


def _finding_entry(scenario: str, at: str, d: Delivery) -> Entry:
    f = d.event.get("detail") or {}
    r = d.result
    state = "new" if r.get("new") else "escalated" if r.get("escalated") else "merged"
    extras = [x for x, on in (("notified", r.get("notified")), ("exported", r.get("exported"))) if on]
    text = (f"{str(f.get('severity', '?')).upper()} {f.get('category', '?')}: {f.get('title', '?')} "
            f"[{state}{', ' + ', '.join(extras) if extras else ''}]")
    return Entry("finding", scenario, at, text, {"finding_id": r.get("finding_id"), "detector": f.get("detector"),
                                                  "state": state, "notified": bool(r.get("notified"))})


def interesting(entries: list[Entry]) -> bool:
    """An event worth a line of its own: it produced or changed a finding, started a playbook, or failed."""
    return any(e.kind != "event" and not (e.kind == "finding" and e.data.get("state") == "merged")
               and not (e.kind == "playbook" and e.data.get("started") is False) for e in entries)


def write_text(entries: list[Entry], out: TextIO) -> None:
    for e in entries:
        indent = "" if e.kind in ("event", "note", "rollback") else "    "
        at = f"{e.at[11:19]}  " if len(e.at) >= 19 else " " * 10
        out.write(f"{at}{indent}{_MARK.get(e.kind, ' ')} {e.text}\n")
