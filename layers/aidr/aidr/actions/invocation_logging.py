"""Restore Bedrock model-invocation logging after tampering: put back a known-good ``LoggingConfig``.

The configuration to put back is an option (the API's ``loggingConfig`` shape). After a deletion it is the last
configuration the detectors kept in state: :func:`logging_config_to_restore` reads it with the detectors' own
reader. After a weakening Put, the last configuration in state *is* the weakened one, so the caller must pass the
configuration that the finding's event replaced.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from ..detectors.audit.last_known import last_known_record
from ..detectors.bedrock.logging_weakened import DELIVERY_SEVERITY, logging_state_key
from ..errors import ActionFailed
from ..state.base import StateStore
from .base import ORDER_LOGGING, Action, ActionOptions, Change, Part, Snapshot, action, change
from .targets import Target

LoggingConfig = dict[str, Any]


def logging_config_to_restore(state: StateStore, account: str, region: str) -> LoggingConfig:
    """The configuration to put back after invocation logging was deleted in ``account``/``region``.

    Raises
    ------
    ActionFailed
        When aidr never saw a configuration there, or the last one it saw is still in force (the case of a
        weakening Put: pass the configuration it replaced instead).
    """
    known = last_known_record(state, logging_state_key(account, region))
    if known is None:
        raise ActionFailed(f"restore-invocation-logging: no invocation-logging configuration known for "
                           f"{account}/{region}; pass logging_config")
    if not known.deleted:
        raise ActionFailed(f"restore-invocation-logging: the last configuration seen in {account}/{region} is the "
                           "one in force (set by the last change); pass the configuration to restore")
    return known.value


def normalized(cfg: LoggingConfig | None) -> LoggingConfig | None:
    """``cfg`` with the delivery flags it omits set to the service default (true); None when empty."""
    if not cfg:
        return None
    return {**{f"{kind}DataDeliveryEnabled": True for kind in DELIVERY_SEVERITY}, **cfg}


class LoggingOptions(ActionOptions):
    logging_config: LoggingConfig
    """The ``loggingConfig`` to put back (``PutModelInvocationLoggingConfiguration``)."""

    @field_validator("logging_config")
    @classmethod
    def _destination(cls, v: LoggingConfig) -> LoggingConfig:
        if not (v.get("s3Config") or v.get("cloudWatchConfig")):
            raise ValueError("a logging configuration needs an s3Config or a cloudWatchConfig destination")
        return v


class LoggingState(BaseModel):
    model_config = ConfigDict(extra="forbid")

    config: LoggingConfig | None
    """The configuration in force at snapshot time (None: logging was off)."""


@action("restore-invocation-logging")
class RestoreInvocationLogging(Action):
    """Put back a known Bedrock model-invocation logging configuration in the target's account and region.

    Target: :meth:`Target.logging_config(account, region) <aidr.actions.targets.Target.logging_config>`. Verify
    compares the configuration in force with the desired one (omitted delivery flags count as their default, true).
    Undo puts back the snapshot's configuration, or deletes the configuration if there was none. Runs first in a
    playbook, so the containment that follows is logged.
    """

    title = "Restore Bedrock model invocation logging"
    target_types = ("bedrock-logging-config",)
    order = ORDER_LOGGING
    Options = LoggingOptions
    permissions = ("bedrock:GetModelInvocationLoggingConfiguration", "bedrock:PutModelInvocationLoggingConfiguration",
                   "bedrock:DeleteModelInvocationLoggingConfiguration",
                   "iam:PassRole")  # the CloudWatch Logs delivery role in cloudWatchConfig.roleArn

    def _current(self, target: Target) -> LoggingConfig | None:
        found = self.client("bedrock", target).get_model_invocation_logging_configuration()
        return found.get("loggingConfig") or None

    def _capture(self, target: Target, options: Any) -> LoggingState:
        return LoggingState(config=self._current(target))

    def _put(self, target: Target, cfg: LoggingConfig | None, what: str) -> list[Change]:
        if normalized(self._current(target)) == normalized(cfg):
            return []
        bedrock = self.client("bedrock", target)
        if cfg is None:
            return change(f"delete the invocation-logging configuration of {target.label}",
                          bedrock.delete_model_invocation_logging_configuration)
        return change(f"{what} {target.label}",
                      lambda: bedrock.put_model_invocation_logging_configuration(loggingConfig=cfg))

    def _apply_parts(self, snap: Snapshot) -> Iterable[Part]:
        desired = self.options_of(snap).logging_config
        return [lambda: self._put(snap.target, desired, "put back the known-good configuration of")]

    def _undo_parts(self, snap: Snapshot) -> Iterable[Part]:
        prior = LoggingState.model_validate(snap.state).config
        return [lambda: self._put(snap.target, prior, "put back the configuration found at snapshot time in")]
