from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from aidr.errors import InputError
from aidr.runtime.envelope import dedup_id, event_ts, require_envelope


def envelope(**detail: Any) -> dict[str, Any]:
    return {"version": "0", "id": "eb-1", "detail-type": "X", "source": "aws.s3", "account": "111122223333",
            "time": "2026-11-18T03:12:44Z", "region": "us-east-1", "resources": [], "detail": detail}


def test_dedup_id_prefers_the_record_id() -> None:
    assert dedup_id(envelope(eventID="ct-1")) == "ct-1"  # CloudTrail: same record in any envelope
    assert dedup_id(envelope(requestId="req-1")) == "req-1"  # invocation log
    assert dedup_id(envelope(id="gd-finding", updatedAt="...")) == "eb-1"  # GuardDuty: per update


def test_event_ts() -> None:
    assert event_ts(envelope()) == datetime(2026, 11, 18, 3, 12, 44, tzinfo=UTC).timestamp()
    assert event_ts({**envelope(), "time": "[REDACTED]"}) > 1_700_000_000  # falls back to now


def test_source_and_detail_type_are_checked_when_asked() -> None:
    with pytest.raises(InputError, match="event eb-1: expected detail-type 'aidr Finding', got 'X'"):
        require_envelope(envelope(), detail_type="aidr Finding")
