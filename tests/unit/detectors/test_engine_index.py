"""The engine's detector index only narrows: every detector that wants an event is among its candidates, and a
candidate it says needs no ``wants`` check does want the event."""

from __future__ import annotations

from typing import Any

import pytest
from aidr.config import AidrConfig
from aidr.detectors.registry import detectors_for
from aidr.engine import DetectorIndex, Engine
from aidr.inventory import agent_role_reasons
from aidr.normalize.envelope import envelope_from_record
from aidr.state import MemoryState

from tests.conftest import FIXTURES, load_json

DETECTORS = detectors_for()
INDEX = DetectorIndex(DETECTORS)


def _fixture_envelopes() -> list[dict[str, Any]]:
    out = []
    for path in sorted(FIXTURES.glob("*/*/*.json")):
        for rec in load_json(path)["records"]:
            env = envelope_from_record(rec)
            if env is not None:
                out.append(env)
    return out


ENVELOPES = _fixture_envelopes()


def test_index_keeps_every_detector_that_wants_a_fixture_event() -> None:
    narrowed = 0
    for env in ENVELOPES:
        wanted = [d.id for d in DETECTORS if d.wants(env)]
        candidates = [d.id for d, _ in INDEX.candidates(env)]
        assert set(wanted) <= set(candidates), env.get("id")
        narrowed += len(candidates) < len(DETECTORS)
        run = [d.id for d, check in INDEX.candidates(env) if not check or d.wants(env)]
        assert run == [d for d in candidates if d in wanted], env.get("id")
    assert narrowed == len(ENVELOPES)  # and it does narrow: no fixture event pays for every detector


def test_detectors_routed_by_source_and_type_alone_skip_the_wants_check() -> None:
    invocation = {"source": "aidr", "detail-type": "Bedrock Model Invocation Log", "detail": {}}
    got = INDEX.candidates(invocation)
    assert got and all(not check and d.wants(invocation) for d, check in got)
    other = {**invocation, "source": "aidr.other"}
    assert not [d for d, check in INDEX.candidates(other) if not check]


def test_a_pattern_testing_more_than_the_key_keeps_the_wants_check() -> None:
    from aidr.detectors.registry import Detector

    base = DETECTORS[0]
    narrow = {"source": ["aws.bedrock"], "detail": {"eventName": ["InvokeModel"], "errorCode": [{"exists": True}]}}
    d = Detector(base.meta.model_copy(update={"events": [narrow]}), base.fn, base.matchers)
    (_, check), = DetectorIndex([d]).candidates({"source": "aws.bedrock", "detail": {"eventName": "InvokeModel"}})
    assert check


@pytest.mark.parametrize("event", [
    {"source": ["aws.bedrock"], "detail-type": "AWS API Call via CloudTrail", "detail": {}},
    {"source": "aws.bedrock", "detail-type": "AWS API Call via CloudTrail", "detail": {"eventName": 7}},
])
def test_values_that_cannot_be_looked_up_keep_every_detector(event: dict[str, Any]) -> None:
    assert [d for d, check in INDEX.candidates(event) if check] == DETECTORS


def test_engine_learns_from_routed_calls_before_detecting() -> None:
    engine = Engine(AidrConfig(), MemoryState(), function="DetectBedrockFunction")
    case = load_json(FIXTURES / "bedrock.agent_boundary_escape/positive/learned_agent_role_mints_access_key.json")
    engine.process(envelope_from_record(case["records"][0]))  # CreateAgent
    assert agent_role_reasons("support-assistant-exec", engine.ctx, account="111122223333")
