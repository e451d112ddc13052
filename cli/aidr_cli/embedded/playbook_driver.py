"""Drive the playbook executions the deployed template started: approvals, actions, verification, rollback.

The executions were started by the template's own wiring (finding on the aidr bus -> rule -> start function or
state-machine target); they run in moto's Step Functions interpreter with their Lambda tasks in process. Here an
on-call engineer is played: each approval is decided through :func:`aidr.approvals.decide.decide` (approver
checks, single-use record, ledger, answer to the wait) as asked on the terminal or set by ``--approve``; then
every contained finding is rolled back with the ``rollback`` playbook and the account is read back.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from .posture import differences, read_posture
from .response import ResponseResult
from .runtime import Runtime
from .timeline import Entry

APPROVER_ROLE = "security-oncall"
WAIT_SECONDS = 120.0
POLL_SECONDS = 0.1
NOTHING_TO_ROLL_BACK = "no applied containment to roll back"  # aidr.playbooks.steps.load refuses with this
Ask = Callable[[dict[str, Any]], tuple[str, str]]


def ask_terminal(approval: dict[str, Any]) -> tuple[str, str]:
    """Show the plan and read a decision from the terminal: (``approved``|``rejected``, reason)."""
    f = approval.get("finding") or {}
    out = sys.stdout
    out.write(f"\n    ? approval {approval['id']} - {approval['playbook']} for {f.get('severity', '?').upper()} "
              f"{f.get('title', '')}\n")
    for step in approval.get("plan") or []:
        mark = " (destructive)" if step.get("destructive") else ""
        out.write(f"        {step.get('action')} on {step.get('target')}{mark}: {step.get('changes')}\n")
    try:
        answer = input("      approve? [y/N, or a reason after y/n] ").strip()
    except EOFError:  # stdin closed: nobody approved
        return "rejected", "no answer (end of input)"
    verdict = "approved" if answer[:1].lower() == "y" else "rejected"
    return verdict, answer[1:].strip() or f"{verdict} on the terminal"


def _fixed(verdict: str) -> Ask:
    return lambda _approval: (verdict, f"--approve {'auto' if verdict == 'approved' else 'reject'}")


def drive(rt: Runtime, scenario: str, approve: str, before: dict[str, Any], ask: Ask | None = None) -> ResponseResult:
    from aidr.aws import client

    from .stepfunctions import TERMINAL, pending_tokens, steps

    sfn = client("stepfunctions")
    decide_ask = ask or (ask_terminal if approve == "prompt" else _fixed("approved" if approve == "auto" else
                                                                       "rejected"))
    entries: list[Entry] = []
    executions: list[dict[str, Any]] = []
    contained: list[str] = []
    rollback_arn = next((a for lid, a in rt.deployment.state_machines.items() if a.endswith("rollback")), None)
    for arn in _started(sfn, rt, exclude=rollback_arn):
        approvals: list[dict[str, Any]] = []
        asked: list[Entry] = []
        seen: set[str] = set()
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            history = _history(sfn, arn)
            tokens = [t for t in pending_tokens(history) if t not in seen]
            if tokens:
                seen.add(tokens[-1])
                approvals.append(_decide(rt, arn, decide_ask, asked, scenario))
                continue
            if _describe(sfn, arn)["status"] in TERMINAL:
                break
            time.sleep(POLL_SECONDS)
        desc = _describe(sfn, arn)
        doc = json.loads(desc.get("output") or desc.get("input") or "{}")
        record = _execution_record(desc, doc, steps(_history(sfn, arn)), approvals)
        executions.append(record)
        entries.extend(_entries(scenario, record, asked))
        if any(a["applied"] for a in record["actions"]):
            contained.append(record["finding_id"])
    during = read_posture(rt.inventory)
    changes = [{"resource": k, "before": before.get(k), "after": during.get(k)} for k in differences(before, during)]
    for c in changes:
        entries.append(Entry("action", scenario, "", f"account changed: {c['resource']}", c))
    verified = _rollback(rt, sfn, rollback_arn, contained, executions, before, entries, scenario)
    ok = bool(executions)
    reason = f"{len(executions)} playbook runs, {len(changes)} resources changed" if ok else "no playbook ran"
    return ResponseResult(ok, reason, executions, verified, entries, changes)


def _started(sfn: Any, rt: Runtime, exclude: str | None) -> list[str]:
    arns: list[tuple[Any, str]] = []
    for sm in rt.deployment.state_machines.values():
        if sm == exclude:
            continue
        for ex in sfn.list_executions(stateMachineArn=sm)["executions"]:
            arns.append((ex["startDate"], ex["executionArn"]))
    return [a for _, a in sorted(arns)]


def _settled(call: Callable[[], Any]) -> Any:
    """moto's interpreter registers a new execution with its state machine from the execution's thread: right after
    StartExecution it can briefly be unknown. Retry that answer for a moment; anything else is raised."""
    for _ in range(100):
        try:
            return call()
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") != "ExecutionDoesNotExist":
                raise
            time.sleep(0.05)
    return call()


def _describe(sfn: Any, arn: str) -> dict[str, Any]:
    return dict(_settled(lambda: sfn.describe_execution(executionArn=arn)))


def _history(sfn: Any, arn: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"executionArn": arn}
    while True:
        page = _settled(lambda: sfn.get_execution_history(**kwargs))
        events.extend(page["events"])
        if not page.get("nextToken"):
            return events
        kwargs["nextToken"] = page["nextToken"]


def _decide(rt: Runtime, arn: str, ask: Ask, entries: list[Entry], scenario: str) -> dict[str, Any]:
    from aidr.approvals.decide import decide
    from aidr.approvals.store import ApprovalStore, approval_id
    from aidr.aws import client
    from aidr.ledger import Ledger
    from aidr.runtime.config import get_config

    env = rt.deployment.env()
    ddb = client("dynamodb")
    store = ApprovalStore(_env(rt, "AIDR_APPROVALS_TABLE"), ddb)
    aid = approval_id(arn)
    for _ in range(200):  # RequestApprovalFunction stores the request once the wait has begun
        approval = store.get(aid)
        if approval is not None and approval.status == "pending":
            break
        time.sleep(0.05)
    else:
        raise RuntimeError(f"{arn}: waits on a task token but no pending approval {aid} was stored")
    verdict, reason = ask(approval.public())
    approver = rt.inventory["roles"][APPROVER_ROLE]
    config = get_config(env["AIDR_CONFIG_PARAMETER"], client("ssm"))
    doc = decide(store, aid, approver, verdict, reason, config, sfn_client=client("stepfunctions"),
                 ledger=Ledger(_env(rt, "AIDR_LEDGER_TABLE"), ddb), via="cli")
    entries.append(Entry("approval", scenario, "", f"{approval.playbook}: {doc['decision']} by {APPROVER_ROLE} "
                         f"({reason})", {"approval_id": aid, "plan": approval.plan}))
    return {"id": aid, "decision": doc["decision"], "by": doc["by"]}


def _env(rt: Runtime, name: str) -> str:
    for fn in rt.deployment.functions.values():
        if name in fn.env:
            return fn.env[name]
    raise RuntimeError(f"no function of the template has {name} in its environment")


def _execution_record(desc: dict[str, Any], doc: dict[str, Any], step_list: list[dict[str, str]],
                      approvals: list[dict[str, Any]]) -> dict[str, Any]:
    actions = [{"action": a.get("action"), "target": _target_label(a.get("target")),
                "applied": bool(a.get("applied")), "verified": bool(a.get("verified")),
                "undone": bool(a.get("undone")), "changes": a.get("changes") or []}
               for a in doc.get("actions") or []]
    return {"playbook": doc.get("playbook", desc["stateMachineArn"].rsplit(":", 1)[-1]),
            "finding_id": doc.get("finding_id") or (doc.get("finding") or {}).get("id"),
            "status": desc["status"], "steps": step_list, "approvals": approvals, "actions": actions,
            "outcome": doc.get("outcome"), "execution_arn": desc["executionArn"],
            **({"error": desc.get("error"), "cause": desc.get("cause")} if desc["status"] != "SUCCEEDED" else {})}


def _target_label(target: Any) -> str:
    if isinstance(target, dict):
        return str(target.get("arn") or target.get("name") or target.get("label") or json.dumps(target))
    return str(target)


def _entries(scenario: str, rec: dict[str, Any], asked: list[Entry]) -> list[Entry]:
    why = f" - {rec.get('error')}: {rec.get('cause')}" if rec.get("error") else ""
    out = [Entry("playbook", scenario, "", f"{rec['playbook']} for finding {rec['finding_id']}: {rec['status']} "
                 f"({rec.get('outcome') or '-'}){why}",
                 {"execution": rec["execution_arn"], "finding_id": rec["finding_id"]})]
    out.append(Entry("step", scenario, "", " → ".join(
        s["name"] if s["status"] == "succeeded" else f"{s['name']} ({s['status']})" for s in rec["steps"]),
        {"steps": rec["steps"]}))
    out += asked
    for a in rec["actions"]:
        out.append(Entry("action", scenario, "", f"{a['action']} on {a['target']}: "
                         f"{'applied' if a['applied'] else 'not applied'}", {"changes": a["changes"]}))
        if a["applied"]:
            out.append(Entry("verification", scenario, "", f"{a['action']} on {a['target']}: "
                             f"{'verified' if a['verified'] else 'NOT verified'}"))
    return out


def _rollback(rt: Runtime, sfn: Any, rollback_arn: str | None, contained: list[str],
              executions: list[dict[str, Any]], before: dict[str, Any], entries: list[Entry],
              scenario: str) -> bool | None:
    """Run the rollback playbook for every contained finding, then read the account back.

    A containment re-applied for a later finding keeps the first finding's snapshot, so that finding's rollback
    finds nothing of its own to undo (the playbook refuses: "no applied containment to roll back"); shown as such,
    and its actions count as undone when the rollback that owned their target undid them.
    """
    from .stepfunctions import TERMINAL

    if not contained:
        diff = differences(before, read_posture(rt.inventory))
        entries.append(Entry("verification", scenario, "", "nothing was contained: account unchanged" if not diff
                             else f"nothing was contained, yet the account changed: {', '.join(diff)}",
                             {"differences": diff}))
        return not diff
    if rollback_arn is None:
        entries.append(Entry("rollback", scenario, "", "no rollback state machine deployed: containment left in place"))
        return False
    undone: dict[tuple[Any, str], bool] = {}
    for fid in contained:
        arn = sfn.start_execution(stateMachineArn=rollback_arn, name=f"demo-rollback-{fid}"[:80],
                                  input=json.dumps({"playbook": "rollback", "finding_id": fid}))["executionArn"]
        deadline = time.monotonic() + WAIT_SECONDS
        while _describe(sfn, arn)["status"] not in TERMINAL and time.monotonic() < deadline:
            time.sleep(POLL_SECONDS)
        desc = _describe(sfn, arn)
        if desc["status"] == "SUCCEEDED":
            text = "SUCCEEDED"
            for a in json.loads(desc.get("output") or "{}").get("actions") or []:
                undone[(a.get("action"), _target_label(a.get("target")))] = bool(a.get("undone", True))
        elif NOTHING_TO_ROLL_BACK in json.dumps(_history(sfn, arn)):
            text = "nothing of its own to undo (its targets were contained under an earlier finding's snapshot)"
        else:
            text = f"{desc['status']} - {desc.get('error')}: {desc.get('cause')}"
        entries.append(Entry("rollback", scenario, "", f"rollback of {fid}: {text}", {"execution": arn}))
    for ex in executions:
        for a in ex["actions"]:
            a["undone"] = bool(a["applied"] and undone.get((a["action"], a["target"])))
    diff = differences(before, read_posture(rt.inventory))
    entries.append(Entry("verification", scenario, "", "account as before containment" if not diff else
                         f"account differs after rollback: {', '.join(diff)}", {"differences": diff}))
    return not diff
