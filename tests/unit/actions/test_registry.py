"""Sweep the action registry (after Cloud Custodian's test_iamgen): declared data is valid and permissions are real."""

from __future__ import annotations

import doctest
import functools
import importlib
import json
import re
from typing import get_args

import botocore.session
import pytest
from aidr.actions import REGISTRY, get_action, load_all, ordered
from aidr.actions.base import ORDER_LOGGING, ORDER_PRINCIPAL, ORDER_WORKLOAD
from aidr.actions.targets import TargetType
from aidr.errors import ActionFailed

ACTIONS = sorted(load_all())
# S3 operation names differ from its IAM actions (PutPublicAccessBlock needs s3:PutBucketPublicAccessBlock), so an
# S3 permission must be one AWS itself grants in a managed policy.
OPERATION_NAMES_ARE_NOT_ACTIONS = {"s3"}


@functools.cache
def managed_policy_actions() -> frozenset[str]:
    """Every action named in AWS's managed policies (moto ships a copy of them): real IAM action names."""
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    out: set[str] = set()
    for policy in json.loads(aws_managed_policies_data).values():
        statements = policy["Document"]["Statement"]
        for st in statements if isinstance(statements, list) else [statements]:
            acts = st.get("Action", [])
            out.update(a.lower() for a in (acts if isinstance(acts, list) else [acts]) if "*" not in a)
    return frozenset(out)


@functools.cache
def operations(prefix: str) -> frozenset[str]:
    """``prefix:Operation`` for every operation of the botocore services that sign as ``prefix``."""
    session = botocore.session.get_session()
    out: set[str] = set()
    for name in session.get_available_services():
        if name == prefix or name.startswith(f"{prefix}-"):
            model = session.get_service_model(name)
            if model.signing_name == prefix:
                out.update(f"{prefix}:{op}".lower() for op in model.operation_names)
    return frozenset(out)


def is_real_iam_action(permission: str) -> bool:
    prefix = permission.split(":")[0]
    if permission.lower() in managed_policy_actions():
        return True
    return prefix not in OPERATION_NAMES_ARE_NOT_ACTIONS and permission.lower() in operations(prefix)


def test_the_checker_tells_real_from_made_up_names() -> None:
    assert is_real_iam_action("s3:PutBucketPublicAccessBlock")
    assert is_real_iam_action("bedrock:PutModelInvocationLoggingConfiguration")
    assert not is_real_iam_action("s3:PutPublicAccessBlock")  # an operation, not an IAM action
    assert not is_real_iam_action("iam:UpdateAccessKeys")


def test_the_registry_holds_every_action_of_the_issue() -> None:
    assert set(ACTIONS) >= {
        "revoke-role-sessions", "revoke-user-sessions", "deactivate-access-keys", "deny-bedrock",
        "deactivate-bedrock-api-keys", "disable-login-profile", "quarantine-bucket", "delete-endpoint",
        "stop-notebook", "reject-model-package", "pause-agent-alias", "restore-invocation-logging"}


@pytest.mark.parametrize("action_id", ACTIONS)
def test_declared_data_is_valid(action_id: str) -> None:
    cls = REGISTRY[action_id]
    assert cls.id == action_id
    assert re.fullmatch(r"[a-z]+(-[a-z0-9]+)+", action_id)
    assert cls.title
    assert cls.target_types and set(cls.target_types) <= set(get_args(TargetType))
    assert cls.permissions and len(set(cls.permissions)) == len(cls.permissions)
    assert cls.reversible  # every action of issue 5 has an undo
    assert cls.__doc__ and "undo" in cls.__doc__.lower(), "document what undo does"


@pytest.mark.parametrize("action_id", ACTIONS)
def test_permissions_are_real_iam_actions(action_id: str) -> None:
    for permission in REGISTRY[action_id].permissions:
        assert re.fullmatch(r"[a-z0-9-]+:[A-Z][A-Za-z0-9]+", permission), permission
        assert is_real_iam_action(permission), f"{action_id}: {permission} is not an IAM action"


def test_only_deleting_an_endpoint_is_destructive() -> None:
    assert [a for a in ACTIONS if REGISTRY[a].destructive] == ["delete-endpoint"]


def test_order_puts_logging_first_and_workloads_before_their_execution_role() -> None:
    plan = ordered(["revoke-role-sessions", "deny-bedrock", "stop-notebook", "delete-endpoint",
                    "restore-invocation-logging", "quarantine-bucket"])
    assert plan == ["restore-invocation-logging", "stop-notebook", "delete-endpoint", "quarantine-bucket",
                    "revoke-role-sessions", "deny-bedrock"]
    assert ordered(plan, undo=True)[0] == "deny-bedrock"
    assert ordered(plan, undo=True)[-1] == "restore-invocation-logging"
    assert get_action("delete-endpoint").order == ORDER_WORKLOAD < ORDER_PRINCIPAL
    assert get_action("restore-invocation-logging").order == ORDER_LOGGING


def test_unknown_action_and_bad_options_are_refused_by_name() -> None:
    with pytest.raises(ActionFailed, match="unknown action 'quarantine'"):
        get_action("quarantine")
    with pytest.raises(ActionFailed, match="option 'exempt_principals'"):
        get_action("quarantine-bucket")({"exempt_principals": []})
    with pytest.raises(ActionFailed, match="option 'exempt_principal_arns'"):
        get_action("quarantine-bucket")({"exempt_principal_arns": []})


@pytest.mark.parametrize("module", ["aidr.actions.base", "aidr.actions.targets", "aidr.actions.principal",
                                    "aidr.actions.bucket", "aidr.guards"])
def test_docstring_examples_run(module: str) -> None:
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.attempted and not result.failed
