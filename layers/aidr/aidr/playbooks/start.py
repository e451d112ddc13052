"""StartPlaybookFunction's work: a finding on the aidr bus starts its playbook, once.

Why a function and not an EventBridge rule with a Step Functions target: a rule target cannot name the execution,
and the execution name is what makes the start idempotent. EventBridge delivers at least once and a finding is
re-published as it merges new events; the name derived from the finding id makes every later start of the same
finding a no-op (Step Functions answers ``ExecutionAlreadyExists``, or the running execution for the same input).
The mapping (category and severity -> playbook) is configuration, read on each start.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError

if TYPE_CHECKING:
    from ..config import AidrConfig

ENV_STATE_MACHINE_PREFIX = "AIDR_STATE_MACHINE_PREFIX"


def state_machine_arn(prefix: str, playbook: str) -> str:
    """``arn:aws:states:<region>:<account>:stateMachine:<stack>-`` + playbook id (the template names them so)."""
    return f"{prefix}{playbook}"


def start_playbook(finding: Mapping[str, Any], config: AidrConfig, *, sfn_client: Any, prefix: str,
                   mode: str) -> dict[str, Any]:
    """Start the finding's playbook (if any) under an execution name derived from its id.

    Returns
    -------
    dict
        ``{"finding_id", "playbook", "started", "execution_arn"?, "duplicate"?}``.
    """
    from .catalog import execution_name, select_playbook  # the config model (pydantic): loaded on first use

    fid = str(finding["id"])
    playbook = select_playbook(finding, config)
    if playbook is None:
        return {"finding_id": fid, "playbook": None, "started": False}
    name = execution_name(playbook, fid)
    arn = state_machine_arn(prefix, playbook)
    doc = {"playbook": playbook, "mode": mode, "finding_id": fid, "finding": dict(finding)}
    try:
        resp = sfn_client.start_execution(stateMachineArn=arn, name=name, input=json.dumps(doc, sort_keys=True))
    except sfn_client.exceptions.ExecutionAlreadyExists:
        return {"finding_id": fid, "playbook": playbook, "started": False, "duplicate": True,
                "execution_arn": execution_arn(arn, name)}
    return {"finding_id": fid, "playbook": playbook, "started": True, "execution_arn": resp["executionArn"]}


def execution_arn(state_machine: str, name: str) -> str:
    """The ARN of execution ``name`` of ``state_machine``."""
    return state_machine.replace(":stateMachine:", ":execution:", 1) + f":{name}"


def prefix_from_env(env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    prefix = env.get(ENV_STATE_MACHINE_PREFIX)
    if not prefix:
        raise ConfigError(f"environment variable {ENV_STATE_MACHINE_PREFIX} is not set", key=ENV_STATE_MACHINE_PREFIX)
    return prefix


def start_from_event(event: Any, *, config: AidrConfig | None = None, sfn_client: Any = None,
                     env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """StartPlaybookFunction: an "aidr Finding" event -> :func:`start_playbook` with the function's settings.

    Raises
    ------
    InputError
        Not an "aidr Finding" event, or its detail is not a valid finding.
    """
    from ..normalize.envelope import AIDR_SOURCE
    from ..runtime import Settings, get_config
    from ..runtime.envelope import require_envelope
    from ..runtime.publish import FINDING_DETAIL_TYPE
    from ..runtime.record import parse_finding

    settings = Settings.from_env(env)
    finding = parse_finding(require_envelope(event, source=AIDR_SOURCE, detail_type=FINDING_DETAIL_TYPE))
    if config is None:
        config = get_config(settings.require("config_parameter"))
    if sfn_client is None:
        from ..aws import client

        sfn_client = client("stepfunctions")
    return start_playbook(finding.to_json_dict(), config, sfn_client=sfn_client, prefix=prefix_from_env(env),
                          mode=settings.response_mode)
