"""Containment in the demo: the playbook executions the aidr bus started, approvals, actions, rollback.

Runs only what the deployed template and the playbook harness provide; when they are missing, says so (the
demo never pretends a containment happened).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .runtime import Runtime
from .timeline import Entry


@dataclass
class ResponseResult:
    available: bool
    reason: str
    executions: list[dict[str, Any]] = field(default_factory=list)
    rollback_verified: bool | None = None
    entries: list[Entry] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)  # resources containment changed: before/after


def unavailable_reason(rt: Runtime) -> str | None:
    """Why containment cannot run in this account, or None when it can."""
    if not rt.deployment.state_machines:
        return ("containment unavailable: the template deploys no playbook state machine at MaturityPhase=advanced "
                "(statemachines/ is empty in this build); detection only")
    try:
        from . import stepfunctions  # noqa: F401  (the playbook harness)
    except ImportError:
        return "containment unavailable: the playbook harness (aidr_cli.embedded.stepfunctions) is not in this build"
    return None


def respond(rt: Runtime, scenario: str, approve: str, before: dict[str, Any]) -> ResponseResult:
    """Drive the executions started during detection to their end, then roll back and check the account against
    ``before`` (:func:`~.posture.read_posture` before the scenario ran)."""
    reason = unavailable_reason(rt)
    if reason is not None:
        return ResponseResult(False, reason, entries=[Entry("note", scenario, "", reason)])
    from .playbook_driver import drive

    return drive(rt, scenario, approve, before)
