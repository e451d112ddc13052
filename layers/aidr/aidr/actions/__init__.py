"""Containment actions: snapshot -> plan (dry-run) -> apply -> verify -> undo, each registered under a kebab-case id.

Callers use this package's names; the modules (``principal``, ``credentials``, ``bucket``, ``sagemaker``, ``agent``,
``invocation_logging``) register their actions when :func:`load_all` (or :func:`get_action`) imports them. Guards
that must pass before any action runs live in :mod:`aidr.guards`.
"""

from .base import (
    REGISTRY,
    Action,
    ActionOptions,
    Change,
    ClientFactory,
    Snapshot,
    action,
    get_action,
    load_all,
    ordered,
)
from .targets import Target, TargetType

__all__ = [
    "REGISTRY",
    "Action",
    "ActionOptions",
    "Change",
    "ClientFactory",
    "Snapshot",
    "Target",
    "TargetType",
    "action",
    "get_action",
    "load_all",
    "ordered",
]
