"""restore-invocation-logging: the configuration to restore comes from the detectors' state; undo and verify."""

from __future__ import annotations

from typing import Any

import pytest
from aidr.actions import Target, get_action
from aidr.actions.invocation_logging import logging_config_to_restore, normalized
from aidr.detectors.audit.last_known import observe
from aidr.detectors.bedrock.logging_weakened import logging_state_key
from aidr.errors import ActionFailed
from aidr.state import MemoryState

from tests.integration.actions.scenarios import GOOD_LOGGING, WEAKENED_LOGGING, client, logging_config
from tests.unit.actions.support import ACCOUNT, REGION, Recorder

KEY = logging_state_key(ACCOUNT, REGION)
TARGET = Target.logging_config(ACCOUNT, REGION)


def seen(state: MemoryState, event_id: str, ts: float, cfg: dict[str, Any] | None) -> None:
    """Record a change the way the logging detectors do."""
    observe(state, KEY, event_id=event_id, ts=ts, update=lambda _prev: cfg)


def test_after_a_deletion_the_configuration_in_state_is_put_back(rec: Recorder) -> None:
    state = MemoryState()
    seen(state, "put-1", 1.0, GOOD_LOGGING)
    seen(state, "delete-1", 2.0, None)
    desired = logging_config_to_restore(state, ACCOUNT, REGION)
    assert desired == GOOD_LOGGING
    action = get_action("restore-invocation-logging")({"logging_config": desired}, client_factory=rec)
    snap = action.snapshot(TARGET)
    assert snap.state == {"config": None}
    action.apply(snap)
    assert logging_config() == GOOD_LOGGING and action.verify(snap)
    action.undo(snap)  # there was none at snapshot time: undo deletes it again
    assert logging_config() is None
    assert "bedrock:DeleteModelInvocationLoggingConfiguration" in rec.mutations()


def test_state_that_cannot_say_what_to_restore_is_refused() -> None:
    state = MemoryState()
    with pytest.raises(ActionFailed, match="no invocation-logging configuration known"):
        logging_config_to_restore(state, ACCOUNT, REGION)
    seen(state, "put-1", 1.0, GOOD_LOGGING)
    seen(state, "put-2", 2.0, WEAKENED_LOGGING)  # the last one seen is the weakened one, still in force
    with pytest.raises(ActionFailed, match="pass the configuration to restore"):
        logging_config_to_restore(state, ACCOUNT, REGION)


def test_omitted_delivery_flags_count_as_on(rec: Recorder) -> None:
    explicit = {**GOOD_LOGGING, "videoDataDeliveryEnabled": True, "audioDataDeliveryEnabled": True}
    client("bedrock").put_model_invocation_logging_configuration(loggingConfig=explicit)
    action = get_action("restore-invocation-logging")({"logging_config": GOOD_LOGGING}, client_factory=rec)
    assert action.verify(action.snapshot(TARGET))
    assert normalized(GOOD_LOGGING) == normalized(explicit)
    assert normalized({}) is None


def test_a_configuration_without_destination_is_refused() -> None:
    with pytest.raises(ActionFailed, match="needs an s3Config or a cloudWatchConfig"):
        get_action("restore-invocation-logging")({"logging_config": {"textDataDeliveryEnabled": True}})
