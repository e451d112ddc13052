"""bedrock.invocation_region_fanout: sliding hour, bounded window members, re-delivery."""

from __future__ import annotations

from llmjacking_records import Delivery, record

DETECTOR = "bedrock.invocation_region_fanout"
MODEL = "anthropic.claude-3-haiku-20240307-v1:0"


def test_an_hour_straddling_two_clock_hours_counts() -> None:
    # 09:40, 10:05, 10:30: three regions within 50 minutes, across the 10:00 boundary.
    calls = [record("Converse", t, region=r, model=MODEL)
             for t, r in [(2400, "us-east-1"), (3900, "us-west-2"), (5400, "eu-west-1")]]
    [finding] = Delivery().send(calls).of(DETECTOR)
    assert finding.evidence["regions"] == ["eu-west-1", "us-east-1", "us-west-2"]


def test_heavy_traffic_keeps_one_member_per_region_and_ten_minutes() -> None:
    calls = [record("Converse", i, region=("us-east-1", "us-west-2", "eu-west-1")[i % 3], model=MODEL)
             for i in range(300)]
    run = Delivery().send(calls)
    [finding] = run.of(DETECTOR)
    assert finding.evidence["region_marks"] == 3
    assert len(run.emitted_by(DETECTOR)) == 1  # later calls add no new mark, so nothing to re-emit


def test_redelivery_of_the_third_region_emits_once() -> None:
    regions = ["us-east-1", "us-west-2", "eu-west-1"]
    calls = [record("Converse", i, region=r, model=MODEL) for i, r in enumerate(regions)]
    run = Delivery().send(calls).send(calls)
    assert len(run.emitted_by(DETECTOR)) == 1
