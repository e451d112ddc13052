"""Normalisation: every input shape becomes an EventBridge-style envelope, read through typed views.

Detectors never parse raw shapes: they get a :class:`~aidr.normalize.cloudtrail.ApiCall`, a
:class:`~aidr.normalize.guardduty.GuardDutyFinding` or a normalised invocation-log record
(:mod:`aidr.normalize.invocation`). The typed views import the finding model (pydantic); they load on first
use, so a handler that only needs the envelope (the log forwarder) starts without pydantic.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import lazy_exports
from .envelope import CLOUDTRAIL_API_CALL, GUARDDUTY_FINDING, Envelope, envelope_from_record
from .timeutil import parse_time

if TYPE_CHECKING:
    from .cloudtrail import ApiCall
    from .guardduty import GuardDutyFinding

_LAZY = {"ApiCall": ".cloudtrail", "GuardDutyFinding": ".guardduty"}

__all__ = [
    "CLOUDTRAIL_API_CALL",
    "GUARDDUTY_FINDING",
    "ApiCall",
    "Envelope",
    "GuardDutyFinding",
    "envelope_from_record",
    "parse_time",
]

__getattr__ = lazy_exports(__name__, _LAZY)
