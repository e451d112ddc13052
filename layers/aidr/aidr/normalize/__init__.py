"""Normalisation: every input shape becomes an EventBridge-style envelope, read through typed views.

Detectors never parse raw shapes: they get a :class:`~aidr.normalize.cloudtrail.ApiCall` or a
:class:`~aidr.normalize.guardduty.GuardDutyFinding`. Invocation-log records are the next seam
(``aidr.normalize.invocation``).
"""

from .cloudtrail import ApiCall
from .envelope import (
    CLOUDTRAIL_API_CALL,
    GUARDDUTY_FINDING,
    Envelope,
    envelope_from_record,
)
from .guardduty import GuardDutyFinding
from .timeutil import parse_time

__all__ = [
    "CLOUDTRAIL_API_CALL",
    "GUARDDUTY_FINDING",
    "ApiCall",
    "Envelope",
    "GuardDutyFinding",
    "envelope_from_record",
    "parse_time",
]
