"""`aidr demo`: bundled attack scenarios run through the whole app, deployed on an emulated account.

For each scenario a fresh emulated account gets template.yaml (MaturityPhase advanced) and a seeded AI workload;
the scenario's recorded events are delivered as AWS would deliver them, through the template's rules, to the
in-process handlers; findings land on the aidr bus and reach the recorder and the playbook rules; playbooks run
in moto's Step Functions interpreter with approvals asked on the terminal or decided by flag; containment is
rolled back and the account read back to check it is as before. A timeline is printed, an HTML report written.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import orjson

SCENARIOS = {
    "llmjacking": ("llmjacking.jsonl", "A leaked CI access key enumerates Bedrock, grants itself model access, "
                   "probes, deletes invocation logging and a guardrail, then streams from many regions."),
    "data-poisoning": ("data-poisoning.jsonl", "An analyst role that never writes training data removes the "
                       "training bucket's public-access block, opens its policy to the world and another account, "
                       "and overwrites the training set."),
    "prompt-injection-exfil": ("prompt-injection-exfil.jsonl", "A chat user injects instructions; the model "
                               "leaks the credentials it was configured with and a dozen customers' contacts."),
}
APPROVE_MODES = ("prompt", "auto", "reject")
# The advanced phase deploys the playbooks; "approve" makes them ask before containing (the demo's approvals).
# Invocation logs reach the forwarder through the stack's subscription to the seeded account's log group.
STACK_PARAMETERS = {"MaturityPhase": "advanced", "ResponseMode": "approve",
                    "InvocationLogGroupName": "/aws/bedrock/modelinvocations",
                    "CreateInvocationLogSubscription": "true"}
DEFAULT_REPORT_DIR = "aidr-demo-report"


def register(sub: Any) -> None:
    """The ``demo`` subcommand (called by main.build_parser)."""
    d = sub.add_parser("demo", help="watch aidr detect and contain bundled attacks on an emulated account",
                       description=__doc__)
    d.add_argument("--scenario", default="all", choices=(*SCENARIOS, "all"), help="which scenario (default: all)")
    d.add_argument("--approve", choices=APPROVE_MODES, default=None,
                   help="approvals: ask on the terminal (default when stdin is a terminal), or approve/reject all")
    d.add_argument("--json", action="store_true", help="print the response document (contracts.md section 6)")
    d.add_argument("--report-dir", default=DEFAULT_REPORT_DIR, metavar="DIR",
                   help=f"where the HTML report goes (default: {DEFAULT_REPORT_DIR}/index.html)")
    d.set_defaults(func=run_demo)


def scenario_file(name: str) -> Path:
    return Path(str(resources.files("aidr_cli") / "scenarios" / SCENARIOS[name][0]))


def load_records(name: str) -> list[dict[str, Any]]:
    with scenario_file(name).open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


@dataclass
class ScenarioRun:
    name: str
    findings: list[Any]
    entries: list[Any]
    executions: list[dict[str, Any]]
    response_ok: bool
    response_note: str
    rollback_verified: bool | None
    changes: list[dict[str, Any]]


def run_scenario(name: str, approve: str, echo: Any = None) -> ScenarioRun:
    """One scenario on a fresh emulated account; ``echo(entries)`` is called as the timeline grows."""
    from aidr.findings.model import Finding

    from .embedded.posture import read_posture
    from .embedded.response import respond
    from .embedded.runtime import embedded_account
    from .embedded.seed import DEMO_CONFIG
    from .embedded.timeline import Entry, entries_for_event, interesting

    entries: list[Entry] = []

    def emit(new: list[Entry]) -> None:
        entries.extend(new)
        if echo:
            echo(new)

    findings: dict[str, Finding] = {}
    with embedded_account(STACK_PARAMETERS, config_text=DEMO_CONFIG) as rt:
        quiet = 0
        for record in load_records(name):
            deliveries = rt.ingest(record)
            for d in deliveries:
                if d.kind == "function" and isinstance(d.result, dict) and "new" in d.result:  # recorded
                    f = Finding.model_validate(d.event["detail"])
                    findings[f.id] = findings[f.id].merge(f) if f.id in findings else f
            if not deliveries:
                continue
            first = deliveries[0].event
            new = entries_for_event(name, first, deliveries)
            if interesting(new):
                if quiet:
                    emit([Entry("note", name, "", f"{quiet} more events delivered to detectors, no new finding")])
                    quiet = 0
                emit(new)
            else:
                quiet += 1
        if quiet:
            emit([Entry("note", name, "", f"{quiet} more events delivered to detectors, no new finding")])
        # Read after the attack, before any containment: in ResponseMode approve nothing is applied before an
        # approval, and approvals are only decided below.
        before = read_posture(rt.inventory)
        result = respond(rt, name, approve, before)
        emit(result.entries)
    ordered = sorted(findings.values(), key=lambda f: (f.first_seen, f.id))
    return ScenarioRun(name, ordered, entries, result.executions, result.available, result.reason,
                       result.rollback_verified, result.changes)


def _approve_mode(args: argparse.Namespace) -> str:
    if args.approve:
        return str(args.approve)
    return "prompt" if sys.stdin.isatty() and not args.json else "auto"


def run_demo(args: argparse.Namespace) -> int:
    from .embedded.report import render, write_report
    from .embedded.timeline import write_text

    names = list(SCENARIOS) if args.scenario == "all" else [args.scenario]
    approve = _approve_mode(args)
    if approve == "prompt" and args.json:
        sys.stderr.write("aidr demo: --approve prompt needs the terminal; use auto or reject with --json\n")
        return 2
    try:  # the report is written after every scenario ran: a directory that cannot be made fails now
        Path(args.report_dir).mkdir(parents=True, exist_ok=True)
        if not os.access(args.report_dir, os.W_OK):
            raise PermissionError(13, "Permission denied")
    except OSError as e:
        sys.stderr.write(f"aidr demo: --report-dir {args.report_dir}: cannot write there: {e.strerror}\n")
        return 2
    human = sys.stderr if args.json else sys.stdout

    def echo(new: list[Any]) -> None:
        write_text(new, human)
        human.flush()

    runs: list[ScenarioRun] = []
    for name in names:
        human.write(f"\n=== scenario {name}: {SCENARIOS[name][1]}\n")
        runs.append(run_scenario(name, approve, echo))
        r = runs[-1]
        outcome = r.response_note
        human.write(f"--- {name}: {len(r.findings)} findings; {outcome}\n")

    doc = response_document(runs)
    scenarios = [{"name": r.name, "story": SCENARIOS[r.name][1], "findings": len(r.findings),
                  "response_ok": r.response_ok, "response": r.response_note} for r in runs]
    path = write_report(args.report_dir, render(doc, [e for r in runs for e in r.entries], scenarios))
    human.write(f"\naidr demo: report written to {path}\n")
    if args.json:
        sys.stdout.write(orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode() + "\n")
    return 0


def response_document(runs: list[ScenarioRun]) -> dict[str, Any]:
    """The contracts.md section 6 document for all scenarios run."""
    verified = [r.rollback_verified for r in runs if r.rollback_verified is not None]
    return {
        "findings": [f.to_json_dict() for r in runs for f in r.findings],
        "executions": [e for r in runs for e in r.executions],
        "rollback": {"verified": all(verified)} if verified else None,
        # Beyond section 6: each resource containment changed, as read from the account before and after.
        "changes": [{"scenario": r.name, **c} for r in runs for c in r.changes],
    }
