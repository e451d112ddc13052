"""parse_time: the timestamps real logs carry, and the ones they should not."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from aidr.normalize.timeutil import parse_time

T = datetime(2026, 3, 2, 9, 14, 3, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-03-02T09:14:03Z", T),  # CloudTrail eventTime
        ("2026-03-02T09:14:03.000Z", T),  # GuardDuty createdAt
        ("2026-03-02T09:14:03.1234567Z", T.replace(microsecond=123456)),  # 7-digit fraction (.NET exports)
        ("2026-03-02 09:14:03", T),  # no zone: UTC
        ("2026-03-02t09:14:03z", T),
        ("2026-03-02T11:14:03+02:00", T),
        ("2026-03-02T04:44:03-0430", T),
        ("  2026-03-02T09:14:03Z  ", T),
        ("2026-03-02T09:14:03,5Z", T.replace(microsecond=500000)),
        (1772442843, T),  # epoch seconds
        (1772442843000, T),  # epoch milliseconds (invocation logs, CloudWatch)
        (1772442843.5, T.replace(microsecond=500000)),
    ],
)
def test_parses(value: object, expected: datetime) -> None:
    got = parse_time(value)
    assert got == expected and got.tzinfo is not None


@pytest.mark.parametrize(
    "value",
    [None, "", "[REDACTED]", "2026-02-30T00:00:00Z", "2026-03-02", "yesterday", True, float("nan"), float("inf"),
     10**30, [], {}, "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"],
)
def test_unusable_values_are_none(value: object) -> None:
    assert parse_time(value) is None
