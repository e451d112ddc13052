"""bedrock.invocation_rate_anomaly: the robust baseline, re-delivery, and alert throttling."""

from __future__ import annotations

import pytest
from aidr.detectors.bedrock.invocation_rate_anomaly import MIN_RATE, YOUNG_RATE, baseline
from llmjacking_records import Delivery, record

DETECTOR = "bedrock.invocation_rate_anomaly"
MODEL = "anthropic.claude-3-haiku-20240307-v1:0"
HOUR = 3600


@pytest.mark.parametrize(
    ("history", "rule", "threshold"),
    [
        ([], "young", YOUNG_RATE),
        ([500] * 23, "young", YOUNG_RATE),
        ([1] * 24, "robust", MIN_RATE),  # median 1, MAD 0: the absolute floor
        ([100] * 30, "robust", 160),  # MAD 0: 10 % of the median is the spread
        ([100, 110, 90] * 10, "robust", 160),  # MAD 10
        ([1000, 1200, 800] * 10, "robust", 2200),  # MAD 200
    ],
)
def test_baseline(history: list[int], rule: str, threshold: float) -> None:
    b = baseline(history)
    assert (b.rule, b.threshold) == (rule, threshold)


def test_outliers_in_history_do_not_lift_the_bar() -> None:
    assert baseline([10] * 30 + [5000]).threshold == baseline([10] * 31).threshold


def _history(hours: int = 24) -> list[dict]:
    return [record("InvokeModel", h * HOUR + 60, model=MODEL) for h in range(hours)]


def _hour(n: int, start: int = 24 * HOUR) -> list[dict]:
    """``n`` calls spread over one hour from ``start``."""
    return [record("InvokeModel", start + i * (HOUR - 1) / n, model=MODEL) for i in range(n)]


def test_alerts_at_the_threshold_and_at_each_doubling() -> None:
    run = Delivery().send(_history() + _hour(250))
    counts = [f.evidence["calls_this_hour"] for f in run.emitted_by(DETECTOR)]
    assert counts == [60, 120, 240]
    assert len(run.of(DETECTOR)) == 1  # one finding per identity, model and day


def test_redelivered_calls_are_not_counted() -> None:
    fifty_nine = _hour(59)
    run = Delivery().send(_history() + fifty_nine + fifty_nine + fifty_nine)
    assert not run.of(DETECTOR)
    run.send(_hour(60)[-1:])
    assert run.of(DETECTOR)


def test_young_identity_uses_the_absolute_bar() -> None:
    assert not Delivery().send(_hour(YOUNG_RATE - 1, start=0)).of(DETECTOR)
    [finding] = Delivery().send(_hour(YOUNG_RATE, start=0)).of(DETECTOR)
    assert finding.evidence["rule"] == "young"


def test_failed_invocations_are_not_volume() -> None:
    errors = [record("InvokeModel", 24 * HOUR + i, model=MODEL, error="ThrottlingException") for i in range(100)]
    assert not Delivery().send(_history() + errors).of(DETECTOR)
