"""Containment playbooks: which playbook a finding starts, and the steps the state machines run.

- :mod:`.catalog`: playbook ids, the finding -> playbook mapping (config ``playbook_rules`` over defaults), the
  execution name derived from the finding id (a re-delivered finding never starts a second run);
- :mod:`.resolve`: the actions, targets and options of each playbook for a finding;
- :mod:`.steps`: guard -> snapshot -> decide(mode) -> contain -> verify -> record -> notify, and the rollback's
  load -> undo -> verify_undo, one Lambda invocation each (PlaybookStepFunction);
- :mod:`.snapshots`: first-write-wins snapshot storage, so the rollback undoes exactly;
- :mod:`.start`: what StartPlaybookFunction does with a finding on the aidr bus.

The state machines themselves are ``statemachines/<playbook>.asl.json``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import lazy_exports

if TYPE_CHECKING:
    from .catalog import CONTAINMENT_PLAYBOOKS, DEFAULT_RULES, PLAYBOOKS, ROLLBACK, execution_name, select_playbook
    from .run import ActionRun, Run
    from .steps import STEPS, StepEnv, run_step

# Loaded on first use, like aidr.runtime: StartPlaybookFunction needs none of the actions at import time.
_LAZY = {
    **dict.fromkeys(("CONTAINMENT_PLAYBOOKS", "DEFAULT_RULES", "PLAYBOOKS", "ROLLBACK", "execution_name",
                     "select_playbook"), ".catalog"),
    **dict.fromkeys(("ActionRun", "Run"), ".run"),
    **dict.fromkeys(("STEPS", "StepEnv", "run_step"), ".steps"),
}

__all__ = [
    "CONTAINMENT_PLAYBOOKS",
    "DEFAULT_RULES",
    "PLAYBOOKS",
    "ROLLBACK",
    "STEPS",
    "ActionRun",
    "Run",
    "StepEnv",
    "execution_name",
    "run_step",
    "select_playbook",
]

__getattr__ = lazy_exports(__name__, _LAZY)
