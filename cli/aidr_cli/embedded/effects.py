"""What a recorded attack call did to the account, replayed on the emulated account before its event is delivered.

A scenario is a recording: its CloudTrail records say what the attacker did, the emulated account has to show it
too, or a playbook finds nothing to contain (restore-logging with logging still on). Only successful calls whose
effect a playbook acts on are replayed; the others stay records.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _delete_invocation_logging(record: dict[str, Any]) -> None:
    from aidr.aws import client

    client("bedrock", record.get("awsRegion") or None).delete_model_invocation_logging_configuration()


EFFECTS: dict[tuple[str, str], Callable[[dict[str, Any]], None]] = {
    ("bedrock.amazonaws.com", "DeleteModelInvocationLoggingConfiguration"): _delete_invocation_logging,
}


def apply_effect(record: dict[str, Any]) -> str | None:
    """Replay the record's effect when it has one (and succeeded); returns the event name replayed, or None."""
    if record.get("errorCode"):
        return None
    effect = EFFECTS.get((str(record.get("eventSource")), str(record.get("eventName"))))
    if effect is None:
        return None
    effect(record)
    return str(record["eventName"])
