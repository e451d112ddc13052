"""The document a playbook execution carries from state to state (the Step Functions state, JSON).

Each step of :mod:`aidr.playbooks.steps` takes it and returns it updated; the state machine adds what Step
Functions knows (``approval_result``, ``rejected``, ``timeout``, ``error``) and the outcome of its branch, which
the model keeps as extra fields.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from ..actions import Target

Mode = Literal["notify", "approve", "auto"]
Stage = Literal["now", "approved"]
Outcome = Literal["contained", "notified", "rejected", "timed_out", "refused", "failed", "rolled_back"]


class ActionRun(BaseModel):
    """One action of the run and how far it got."""

    model_config = ConfigDict(extra="forbid")

    action: str
    target: Target
    options: dict[str, Any] = {}
    destructive: bool = False
    reversible: bool = True
    stage: Stage = "approved"
    """``now``: applied before any approval (auto mode, reversible); ``approved``: only after approval."""
    snapshot_key: str | None = None
    taken_at: datetime | None = None
    """When this run snapshotted the target. The stored snapshot may be an earlier run's (the first is kept, for
    undo); this run applies and verifies with its own moment and options (a revocation cut-off must be at or after
    it, a leaked key named by this finding must be the one switched off)."""
    changes: list[str] = []
    """What apply will change (the dry-run at plan time), in words for the approver."""
    applied: bool = False
    verified: bool = False
    undone: bool = False

    @property
    def label(self) -> str:
        return self.target.label


class Run(BaseModel):
    """A playbook execution's state."""

    model_config = ConfigDict(extra="allow")

    playbook: str
    mode: Mode = "approve"
    finding: dict[str, Any] = {}
    finding_id: str | None = None
    actions: list[ActionRun] = []
    plan: list[dict[str, Any]] = []
    """For the approval request: ``{"action", "target", "changes", "destructive"}`` per action."""
    approval: dict[str, Any] = {}
    """``{"timeout_seconds", "default"}``: how long the approval waits, and what happens when nobody answers."""
    decision: Mode | None = None
    awaiting_approval: bool = False
    outcome: Outcome | None = None
    approvals: list[dict[str, Any]] = []

    def doc(self) -> dict[str, Any]:
        return self.model_dump(mode="json")
