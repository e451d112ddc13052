"""What a playbook run tells the on-call engineer: what it did, to what, who approved, and how to undo it."""

from __future__ import annotations

import re
from typing import Any

from .catalog import ROLLBACK
from .run import Run

SUBJECT_MAX = 99  # SNS: ASCII, under 100 characters
_UNPRINTABLE = re.compile(r"[^\x20-\x7e]+")

_OUTCOME_TEXT = {
    "contained": "contained",
    "notified": "proposed (response mode notify: nothing changed)",
    "rejected": "rejected by the approver: nothing more changed",
    "timed_out": "approval timed out: the default (reject) applied, nothing more changed",
    "refused": "refused by a guard: nothing changed",
    "failed": "FAILED",
    "rolled_back": "rolled back",
}


def summary(run: Run, error: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
    """The SNS subject and JSON body of a finished (or failed) run."""
    outcome = str(run.outcome)
    subject = _UNPRINTABLE.sub(" ", f"aidr {run.playbook}: {_OUTCOME_TEXT.get(outcome, outcome)}").strip()
    if len(subject) > SUBJECT_MAX:
        subject = subject[: SUBJECT_MAX - 3].rstrip() + "..."
    applied = [a for a in run.actions if a.applied]
    body: dict[str, Any] = {
        "subject": subject,
        "playbook": run.playbook,
        "mode": run.mode,
        "outcome": outcome,
        "finding": {k: run.finding.get(k) for k in ("id", "title", "severity", "category", "account", "region",
                                                    "principal", "resources")} if run.finding else
                   {"id": run.finding_id},
        "actions": [{"action": a.action, "target": a.label, "changes": a.changes, "applied": a.applied,
                     "verified": a.verified, "undone": a.undone} for a in run.actions],
        "approvals": run.approvals,
    }
    if error:
        body["error"] = error
    if applied and run.playbook != ROLLBACK:
        body["undo"] = {"how": "start the rollback playbook for this finding (one step: every applied action is "
                               "put back to its snapshot, then verified)",
                        "state_machine_input": {"playbook": ROLLBACK, "finding_id": run.finding_id}}
    return subject, body
