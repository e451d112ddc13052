"""The engine's detector index only narrows: every detector that wants an event is among its candidates."""

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
        candidates = [d.id for d in INDEX.candidates(env)]
        assert set(wanted) <= set(candidates), env.get("id")
        narrowed += len(candidates) < len(DETECTORS)
    assert narrowed == len(ENVELOPES)  # and it does narrow: no fixture event pays for every detector


@pytest.mark.parametrize("event", [
    {"source": ["aws.bedrock"], "detail-type": "AWS API Call via CloudTrail", "detail": {}},
    {"source": "aws.bedrock", "detail-type": "AWS API Call via CloudTrail", "detail": {"eventName": 7}},
])
def test_values_that_cannot_be_looked_up_keep_every_detector(event: dict[str, Any]) -> None:
    assert INDEX.candidates(event) == DETECTORS


def test_engine_learns_from_routed_calls_before_detecting() -> None:
    engine = Engine(AidrConfig(), MemoryState(), function="DetectBedrockFunction")
    case = load_json(FIXTURES / "bedrock.agent_boundary_escape/positive/learned_agent_role_mints_access_key.json")
    engine.process(envelope_from_record(case["records"][0]))  # CreateAgent
    assert agent_role_reasons("support-assistant-exec", engine.ctx, account="111122223333")
