"""pause-agent-alias with botocore's Stubber (moto 5.2.5 has no Bedrock agent aliases)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from aidr.actions import Target, get_action
from aidr.actions.agent import ACCEPT, REJECT
from aidr.errors import ActionFailed

from tests.unit.actions.support import stubbed

ARN = "arn:aws:bedrock:us-east-1:111122223333:agent-alias/AGENT12345/ALIAS67890"
IDS = {"agentId": "AGENT12345", "agentAliasId": "ALIAS67890"}
ROUTING = [{"agentVersion": "3"}]


def alias(state: str | None = ACCEPT, **over: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        **IDS, "agentAliasName": "prod", "agentAliasArn": ARN, "description": "customer support, production",
        "routingConfiguration": ROUTING, "createdAt": datetime(2024, 5, 1, tzinfo=UTC),
        "updatedAt": datetime(2024, 5, 2, tzinfo=UTC), "agentAliasStatus": "PREPARED",
    }
    if state is not None:
        out["aliasInvocationState"] = state
    return {"agentAlias": {**out, **over}}


def update_params(state: str) -> dict[str, Any]:
    """What UpdateAgentAlias must receive: the alias's name, description and routing unchanged."""
    return {**IDS, "agentAliasName": "prod", "description": "customer support, production",
            "routingConfiguration": ROUTING, "aliasInvocationState": state}


@pytest.fixture
def env() -> Iterator[tuple[Any, Any, Any]]:
    client, stub, rec = stubbed("bedrock-agent")
    action = get_action("pause-agent-alias")(client_factory=lambda service, region: client)
    with stub:
        yield action, stub, rec
        stub.assert_no_pending_responses()


def snapshot(action: Any, stub: Any, state: str | None = ACCEPT) -> Any:
    stub.add_response("get_agent_alias", alias(state), IDS)
    return action.snapshot(Target.from_arn(ARN))


def test_snapshot_records_state_name_and_routing(env: tuple[Any, Any, Any]) -> None:
    action, stub, _ = env
    snap = snapshot(action, stub)
    assert snap.state == {"invocation_state": ACCEPT, "name": "prod", "routing": ROUTING}


def test_an_alias_without_invocation_state_accepts(env: tuple[Any, Any, Any]) -> None:
    action, stub, _ = env
    assert snapshot(action, stub, state=None).state["invocation_state"] == ACCEPT


def test_plan_reads_only(env: tuple[Any, Any, Any]) -> None:
    action, stub, rec = env
    snap = snapshot(action, stub)
    stub.add_response("get_agent_alias", alias(ACCEPT), IDS)
    assert action.plan(snap) == [f"set agent alias {ARN} to {REJECT}"]
    assert rec.mutations() == []


def test_apply_verify_undo(env: tuple[Any, Any, Any]) -> None:
    action, stub, rec = env
    snap = snapshot(action, stub)
    stub.add_response("get_agent_alias", alias(ACCEPT), IDS)
    stub.add_response("update_agent_alias", alias(REJECT), update_params(REJECT))
    action.apply(snap)
    stub.add_response("get_agent_alias", alias(REJECT), IDS)
    assert action.verify(snap)

    stub.add_response("get_agent_alias", alias(REJECT), IDS)
    stub.add_response("update_agent_alias", alias(ACCEPT), update_params(ACCEPT))
    action.undo(snap)
    stub.add_response("get_agent_alias", alias(ACCEPT), IDS)
    assert action.verify_undo(snap)
    assert rec.mutations() == ["bedrock:UpdateAgentAlias"] * 2
    assert rec.iam_actions() <= set(action.permissions)


def test_apply_and_undo_twice_change_nothing_more(env: tuple[Any, Any, Any]) -> None:
    action, stub, rec = env
    snap = snapshot(action, stub)
    stub.add_response("get_agent_alias", alias(REJECT), IDS)  # already paused: no update queued
    action.apply(snap)
    stub.add_response("get_agent_alias", alias(ACCEPT), IDS)  # already back
    action.undo(snap)
    assert rec.mutations() == []


def test_undo_keeps_an_alias_that_was_already_paused_paused(env: tuple[Any, Any, Any]) -> None:
    action, stub, rec = env
    snap = snapshot(action, stub, state=REJECT)
    stub.add_response("get_agent_alias", alias(REJECT), IDS)
    assert action.plan(snap) == []
    stub.add_response("get_agent_alias", alias(REJECT), IDS)
    action.undo(snap)
    assert rec.mutations() == []


def test_apply_passes_back_the_current_routing_not_the_snapshot(env: tuple[Any, Any, Any]) -> None:
    """Routing changed by the owner after the snapshot is kept: only the invocation state changes."""
    action, stub, _ = env
    snap = snapshot(action, stub)
    moved = [{"agentVersion": "4"}]
    stub.add_response("get_agent_alias", alias(ACCEPT, routingConfiguration=moved), IDS)
    stub.add_response("update_agent_alias", alias(REJECT), {**update_params(REJECT), "routingConfiguration": moved})
    action.apply(snap)


def test_missing_alias_fails_loudly(env: tuple[Any, Any, Any]) -> None:
    action, stub, _ = env
    stub.add_client_error("get_agent_alias", "ResourceNotFoundException", "alias not found", 404)
    with pytest.raises(ActionFailed, match=r"pause-agent-alias snapshot on .*ResourceNotFoundException"):
        action.snapshot(Target.from_arn(ARN))
