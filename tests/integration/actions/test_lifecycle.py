"""Every action's life cycle on the emulated account: dry-run, apply, verify, undo, idempotency, permissions."""

from __future__ import annotations

import json

import pytest
from aidr.actions import get_action, load_all

from tests.conftest import ROOT
from tests.integration.actions.scenarios import SCENARIOS, STUBBED, Scenario
from tests.unit.actions.support import Recorder

IDS = sorted(SCENARIOS)


def _setup(action_id: str, rec: Recorder) -> tuple[object, Scenario]:
    scenario = SCENARIOS[action_id]()
    return get_action(action_id)(scenario.options, client_factory=rec), scenario


def test_every_registered_action_has_a_scenario_or_a_stubbed_test() -> None:
    registered = set(load_all())
    assert registered == set(SCENARIOS) | set(STUBBED)
    for module in STUBBED.values():
        assert (ROOT / module).is_file(), module


@pytest.mark.parametrize("action_id", IDS)
def test_snapshot_and_plan_change_nothing(action_id: str, rec: Recorder) -> None:
    action, sc = _setup(action_id, rec)
    before = sc.observe()
    snap = action.snapshot(sc.target)
    planned = action.plan(snap)
    assert planned, "a fresh target must have something to contain"
    assert all(isinstance(line, str) and line for line in planned)
    assert not action.verify(snap)
    assert sc.observe() == before
    assert rec.mutations() == []


@pytest.mark.parametrize("action_id", IDS)
def test_apply_verify_undo_restores_the_snapshot(action_id: str, rec: Recorder) -> None:
    action, sc = _setup(action_id, rec)
    before = sc.observe()
    snap = action.snapshot(sc.target)
    planned = action.plan(snap)

    rec.clear()
    action.apply(snap)
    assert len(rec.mutations()) == len(planned)  # apply did exactly what the dry-run said
    assert action.verify(snap)
    assert sc.observe() != before
    assert not action.verify_undo(snap)
    assert action.plan_undo(snap)

    action.undo(snap)
    assert action.verify_undo(snap)
    assert sc.observe() == before


@pytest.mark.parametrize("action_id", IDS)
def test_apply_and_undo_twice_are_no_ops(action_id: str, rec: Recorder) -> None:
    action, sc = _setup(action_id, rec)
    snap = action.snapshot(sc.target)
    action.apply(snap)
    contained = sc.observe()
    rec.clear()
    action.apply(snap)
    assert rec.mutations() == []
    assert sc.observe() == contained

    action.undo(snap)
    restored = sc.observe()
    rec.clear()
    action.undo(snap)
    assert rec.mutations() == []
    assert sc.observe() == restored


@pytest.mark.parametrize("action_id", IDS)
def test_snapshot_travels_as_json_to_a_bare_action(action_id: str, rec: Recorder) -> None:
    """Step Functions carries the snapshot between Lambda invocations: a fresh action without options must work."""
    action, sc = _setup(action_id, rec)
    before = sc.observe()
    carried = json.loads(json.dumps(action.snapshot(sc.target).model_dump(mode="json")))
    bare = get_action(action_id)(client_factory=Recorder())
    bare.apply(carried)
    assert bare.verify(carried)
    get_action(action_id)(client_factory=Recorder()).undo(carried)
    assert sc.observe() == before


@pytest.mark.parametrize("action_id", IDS)
def test_calls_are_covered_by_declared_permissions(action_id: str, rec: Recorder) -> None:
    action, sc = _setup(action_id, rec)
    snap = action.snapshot(sc.target)
    action.plan(snap)
    action.apply(snap)
    action.verify(snap)
    action.plan_undo(snap)
    action.undo(snap)
    action.verify_undo(snap)
    assert rec.iam_actions() <= set(action.permissions), rec.iam_actions() - set(action.permissions)
