"""The Lambda entry points of the approval functions: read the environment, build the clients, call the library.

Environment (set by template.yaml): ``AIDR_APPROVALS_TABLE``, ``AIDR_LEDGER_TABLE``, ``AIDR_TOPIC_ARN``,
``AIDR_CONFIG_PARAMETER`` (approvers), optional ``AIDR_SLACK_WEBHOOK_SECRET_ARN``, ``AIDR_SLACK_SIGNING_SECRET_ARN``,
``AIDR_APPROVALS_API_URL``. A missing required variable is a :class:`~aidr.errors.ConfigError` naming it.
Secrets are read from Secrets Manager on first use and kept in memory for :data:`SECRET_TTL_SECONDS`.
"""

from __future__ import annotations

import os
import time
from typing import Any

from ..errors import ConfigError
from ..ledger import LEDGER_TABLE_ENV, Ledger
from ..runtime import Clients, get_config
from .api import handle_api
from .request import request_approval
from .slack import handle_slack
from .store import ApprovalStore

APPROVALS_TABLE_ENV = "AIDR_APPROVALS_TABLE"
SIGNING_SECRET_ENV = "AIDR_SLACK_SIGNING_SECRET_ARN"
SECRET_TTL_SECONDS = 300.0
_secrets: dict[str, tuple[float, str]] = {}


def _env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise ConfigError(f"environment variable {name} is not set", key=name)
    return value


def _store(clients: Clients) -> ApprovalStore:
    return ApprovalStore(_env(APPROVALS_TABLE_ENV), clients("dynamodb"))


def _ledger(clients: Clients) -> Ledger:
    return Ledger(_env(LEDGER_TABLE_ENV), clients("dynamodb"))


def secret_string(secret_arn: str, clients: Clients) -> str:
    """A secret's value, cached per container (never logged)."""
    hit = _secrets.get(secret_arn)
    if hit is not None and time.monotonic() - hit[0] < SECRET_TTL_SECONDS:
        return hit[1]
    value = str(clients("secretsmanager").get_secret_value(SecretId=secret_arn)["SecretString"]).strip()
    _secrets[secret_arn] = (time.monotonic(), value)
    return value


def clear_secret_cache() -> None:
    _secrets.clear()


def request(event: dict[str, Any], clients: Clients | None = None) -> dict[str, Any]:
    """RequestApprovalFunction."""
    clients = clients or Clients()
    secrets = clients("secretsmanager") if os.environ.get("AIDR_SLACK_WEBHOOK_SECRET_ARN") else None
    return request_approval(event, store=_store(clients), sfn_client=clients("stepfunctions"),
                            sns_client=clients("sns"), topic_arn=_env("AIDR_TOPIC_ARN"), ledger=_ledger(clients),
                            secrets_client=secrets)


def api(event: dict[str, Any], clients: Clients | None = None) -> dict[str, Any]:
    """ApprovalApiFunction."""
    clients = clients or Clients()
    config = get_config(_env("AIDR_CONFIG_PARAMETER"), clients("ssm"))
    return handle_api(event, store=_store(clients), sfn_client=clients("stepfunctions"), config=config,
                      ledger=_ledger(clients))


def slack(event: dict[str, Any], clients: Clients | None = None) -> dict[str, Any]:
    """SlackInteractivityFunction."""
    clients = clients or Clients()
    signing_secret = secret_string(_env(SIGNING_SECRET_ENV), clients)
    config = get_config(_env("AIDR_CONFIG_PARAMETER"), clients("ssm"))
    return handle_slack(event, signing_secret=signing_secret, store=_store(clients),
                        sfn_client=clients("stepfunctions"), config=config, ledger=_ledger(clients))
