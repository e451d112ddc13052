"""Which playbook a finding starts, and the name of its execution (contracts.md section 5).

The mapping is configuration (``playbook_rules``: the first rule whose category matches and whose ``min_severity``
the finding reaches) over sane defaults: :data:`DEFAULT_RULES` sends each containable category to its playbook at
``high`` and above (logging tampering already at ``medium``: putting a known-good logging configuration back is
the least risky action aidr has). A finding below every rule starts nothing; it is still stored and notified.

Examples
--------
>>> from aidr.config import AidrConfig
>>> select_playbook({"category": "logging-tampering", "severity": "medium"}, AidrConfig())
'restore-logging'
>>> select_playbook({"category": "model-abuse", "severity": "medium"}, AidrConfig()) is None
True
>>> execution_name("revoke-principal", "3f1c0a9d")
'revoke-principal-3f1c0a9d'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..config import AidrConfig, PlaybookRule
from ..findings.model import SEVERITY_ORDER
from .ids import (  # noqa: F401 (re-exported: the catalog is where callers look for them)
    CONTAINMENT_PLAYBOOKS,
    DISABLE_ENDPOINT,
    PLAYBOOKS,
    QUARANTINE_BUCKET,
    RESTORE_LOGGING,
    REVOKE_PRINCIPAL,
    ROLLBACK,
)

DEFAULT_RULES: tuple[PlaybookRule, ...] = (
    PlaybookRule(category="logging-tampering", playbook=RESTORE_LOGGING, min_severity="medium"),
    *(PlaybookRule(category=c, playbook=REVOKE_PRINCIPAL, min_severity="high") for c in (
        "model-abuse", "model-probing", "credential-misuse", "credential-compromise", "privilege-escalation",
        "model-access-grant", "agent-boundary-escape", "sensitive-data-exposure")),
    *(PlaybookRule(category=c, playbook=QUARANTINE_BUCKET, min_severity="high") for c in (
        "data-exposure", "training-data-tampering")),
    *(PlaybookRule(category=c, playbook=DISABLE_ENDPOINT, min_severity="high") for c in (
        "endpoint-exposure", "model-supply-chain", "notebook-compromise")),
)

# Step Functions execution names: 1-80 characters of [A-Za-z0-9-_].
_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")
MAX_EXECUTION_NAME = 80


def rules(config: AidrConfig) -> tuple[PlaybookRule, ...]:
    """The configured rules, or the defaults when none are configured."""
    return tuple(config.playbook_rules) or DEFAULT_RULES


def select_playbook(finding: Mapping[str, Any], config: AidrConfig) -> str | None:
    """The playbook a finding starts (None: below every rule, or no rule for its category).

    Raises
    ------
    ValueError
        A configured rule names a playbook that does not exist (a typo must not silently disable response).
    """
    severity = SEVERITY_ORDER.get(str(finding.get("severity")), -1)
    for rule in rules(config):
        if rule.playbook not in CONTAINMENT_PLAYBOOKS:
            raise ValueError(f"playbook_rules: unknown playbook {rule.playbook!r} "
                             f"(one of {', '.join(CONTAINMENT_PLAYBOOKS)})")
        if rule.category == finding.get("category") and severity >= SEVERITY_ORDER[rule.min_severity]:
            return rule.playbook
    return None


def execution_name(playbook: str, finding_id: str) -> str:
    """The execution name of a playbook run for a finding: the same on every delivery of the finding, so Step
    Functions refuses a second run (``ExecutionAlreadyExists``) instead of containing twice."""
    return _NAME_UNSAFE.sub("-", f"{playbook}-{finding_id}")[:MAX_EXECUTION_NAME]
