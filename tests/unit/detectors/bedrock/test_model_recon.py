"""bedrock.model_recon: windows, grouping, arrival order and re-delivery."""

from __future__ import annotations

import random

from llmjacking_records import Delivery, record

DETECTOR = "bedrock.model_recon"
MODELS = [f"anthropic.claude-model-{i}" for i in range(8)]


def _poll(start: float, n: int, step: float = 10) -> list[dict]:
    return [record("GetFoundationModelAvailability", start + i * step, model=MODELS[i % 8]) for i in range(n)]


def test_burst_is_one_finding_carrying_every_event_id() -> None:
    burst = _poll(0, 8)
    run = Delivery().send(burst)
    [finding] = run.of(DETECTOR)
    assert set(finding.event_ids) == {r["eventID"] for r in burst}
    # Each emission after the threshold carries the whole window so far: the last one has all ids.
    assert set(run.emitted_by(DETECTOR)[-1].event_ids) == {r["eventID"] for r in burst}
    assert finding.evidence["calls"] == 8


def test_threshold_is_five_distinct_calls() -> None:
    assert not Delivery().send(_poll(0, 4)).of(DETECTOR)
    assert Delivery().send(_poll(0, 5)).of(DETECTOR)


def test_redelivered_events_do_not_count_twice_or_emit_again() -> None:
    four = _poll(0, 4)
    run = Delivery().send(four + four + four)
    assert not run.of(DETECTOR)
    five = _poll(0, 5)
    run = Delivery().send(five)
    emitted = len(run.emitted_by(DETECTOR))
    run.send(five)
    assert len(run.emitted_by(DETECTOR)) == emitted


def test_out_of_order_delivery_gives_the_same_single_finding() -> None:
    burst = _poll(0, 9, step=30)
    shuffled = burst[:]
    random.Random(7).shuffle(shuffled)
    in_order, out_of_order = Delivery().send(burst).of(DETECTOR), Delivery().send(shuffled).of(DETECTOR)
    assert len(in_order) == len(out_of_order) == 1
    assert in_order[0].id == out_of_order[0].id
    assert set(in_order[0].event_ids) == set(out_of_order[0].event_ids)


def test_burst_across_a_window_boundary_stays_one_finding() -> None:
    # 09:14:10 .. 09:15:30 crosses the 09:15 fixed-window boundary.
    assert len(Delivery().send(_poll(850, 9)).of(DETECTOR)) == 1


def test_bursts_an_hour_apart_are_two_findings() -> None:
    assert len(Delivery().send(_poll(0, 5) + _poll(3600, 5)).of(DETECTOR)) == 2


def test_three_regions_fire_below_the_call_threshold() -> None:
    sweep = [record("ListFoundationModels", i, region=r) for i, r in enumerate(["us-east-1", "us-west-2", "eu-west-1"])]
    [finding] = Delivery().send(sweep).of(DETECTOR)
    assert finding.severity == "high"
    assert finding.evidence["regions"] == ["eu-west-1", "us-east-1", "us-west-2"]


def test_console_sessions_are_dropped_and_counted() -> None:
    console = [record("GetFoundationModelAvailability", i, model=MODELS[i], console=True) for i in range(6)]
    run = Delivery().send(console)
    assert not run.of(DETECTOR)
    assert run.counters["dropped:console recon"] == 6
