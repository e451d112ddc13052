"""Pause a Bedrock agent alias: ``aliasInvocationState=REJECT_INVOCATIONS`` and back."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ConfigDict

from .base import ORDER_WORKLOAD, Action, Change, Part, Snapshot, action, change
from .targets import Target

ACCEPT, REJECT = "ACCEPT_INVOCATIONS", "REJECT_INVOCATIONS"


class AgentAliasState(BaseModel):
    model_config = ConfigDict(extra="forbid")

    invocation_state: str
    # Recorded for the operator; apply and undo pass back the alias's *current* name and routing.
    name: str
    routing: list[dict[str, Any]]


def _ids(target: Target) -> dict[str, str]:
    agent_id, _, alias_id = target.name.partition("/")
    return {"agentId": agent_id, "agentAliasId": alias_id}


@action("pause-agent-alias")
class PauseAgentAlias(Action):
    """Stop a Bedrock agent alias from serving: ``UpdateAgentAlias aliasInvocationState=REJECT_INVOCATIONS``.

    UpdateAgentAlias replaces the alias, so the current name, description and routing configuration (re-read just
    before the call) are passed back unchanged: only the invocation state changes. The agent, its versions and
    its other aliases are untouched. Undo puts back the snapshot's state (``ACCEPT_INVOCATIONS`` unless the alias was
    already paused). Target: ``arn:aws:bedrock:REGION:ACCOUNT:agent-alias/AGENTID/ALIASID``.
    """

    title = "Pause the Bedrock agent alias"
    target_types = ("bedrock-agent-alias",)
    order = ORDER_WORKLOAD
    permissions = ("bedrock:GetAgentAlias", "bedrock:UpdateAgentAlias")

    def _alias(self, target: Target) -> dict[str, Any]:
        return dict(self.client("bedrock-agent", target).get_agent_alias(**_ids(target))["agentAlias"])

    def _capture(self, target: Target, options: Any) -> AgentAliasState:
        alias = self._alias(target)
        return AgentAliasState(invocation_state=alias.get("aliasInvocationState") or ACCEPT,
                               name=alias["agentAliasName"], routing=alias.get("routingConfiguration") or [])

    def _set(self, target: Target, state: str) -> list[Change]:
        alias = self._alias(target)
        if (alias.get("aliasInvocationState") or ACCEPT) == state:
            return []
        kwargs: dict[str, Any] = {**_ids(target), "agentAliasName": alias["agentAliasName"],
                                  "aliasInvocationState": state}
        for unchanged in ("description", "routingConfiguration"):
            if alias.get(unchanged):
                kwargs[unchanged] = alias[unchanged]
        client = self.client("bedrock-agent", target)
        return change(f"set agent alias {target.label} to {state}", lambda: client.update_agent_alias(**kwargs))

    def _apply_parts(self, snap: Snapshot) -> Iterable[Part]:
        return [lambda: self._set(snap.target, REJECT)]

    def _undo_parts(self, snap: Snapshot) -> Iterable[Part]:
        prior = AgentAliasState.model_validate(snap.state)
        return [lambda: self._set(snap.target, prior.invocation_state)]
