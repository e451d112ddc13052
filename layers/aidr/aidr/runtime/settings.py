"""Settings of a Lambda function, read from its environment (the template sets them in Globals).

A variable a function needs but does not have is a :class:`~aidr.errors.ConfigError` naming it: a function
must never run half-configured (e.g. detect without publishing).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from ..errors import ConfigError

RESPONSE_MODES = ("notify", "approve", "auto")  # contracts.md section 5

# Settings field -> environment variable.
ENV = {
    "config_parameter": "AIDR_CONFIG_PARAMETER",
    "state_table": "AIDR_STATE_TABLE",
    "findings_table": "AIDR_FINDINGS_TABLE",
    "event_bus": "AIDR_EVENT_BUS",
    "topic_arn": "AIDR_TOPIC_ARN",
    "security_hub": "AIDR_SECURITY_HUB",
    "notify_min_severity": "AIDR_NOTIFY_MIN_SEVERITY",
    "phase": "AIDR_PHASE",
    "response_mode": "AIDR_RESPONSE_MODE",
    "offload_bucket": "AIDR_OFFLOAD_BUCKET",
    "body_bucket": "AIDR_INVOCATION_BODY_BUCKET",
    "log_bucket": "AIDR_INVOCATION_LOG_BUCKET",
}


def _choice(env: Mapping[str, str], field: str, allowed: tuple[str, ...], default: str) -> str:
    value = (env.get(ENV[field]) or default).strip().lower()
    if value not in allowed:
        raise ConfigError(f"environment variable {ENV[field]}={value!r}: expected one of {', '.join(allowed)}",
                          key=ENV[field])
    return value


@dataclass(frozen=True)
class Settings:
    """What a function reads from its environment. Names and optional values: see :data:`ENV`.

    Examples
    --------
    >>> s = Settings.from_env({"AIDR_EVENT_BUS": "aidr-bus", "AIDR_SECURITY_HUB": "true"})
    >>> s.require("event_bus"), s.security_hub, s.notify_min_severity
    ('aidr-bus', True, 'medium')
    >>> s.require("state_table")
    Traceback (most recent call last):
    ...
    aidr.errors.ConfigError: environment variable AIDR_STATE_TABLE is not set
    """

    config_parameter: str | None = None
    state_table: str | None = None
    findings_table: str | None = None
    event_bus: str | None = None
    topic_arn: str | None = None
    security_hub: bool = False
    notify_min_severity: str = "medium"
    phase: str = "foundational"
    response_mode: str = "notify"
    offload_bucket: str | None = None  # where oversize invocation-log records are (forwarder writes, detector reads)
    body_bucket: str | None = None  # where Bedrock writes invocation bodies over 100 KB (its large-data bucket)
    log_bucket: str | None = None  # the bucket of S3 log delivery, whose data/ folders hold such bodies too

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        from typing import get_args

        from ..findings.model import SEVERITIES, Phase  # lazy: pydantic is not needed to import a handler

        env = os.environ if env is None else env
        hub = _choice(env, "security_hub", ("true", "false"), "false")
        return cls(
            config_parameter=env.get(ENV["config_parameter"]) or None,
            state_table=env.get(ENV["state_table"]) or None,
            findings_table=env.get(ENV["findings_table"]) or None,
            event_bus=env.get(ENV["event_bus"]) or None,
            topic_arn=env.get(ENV["topic_arn"]) or None,
            security_hub=hub == "true",
            notify_min_severity=_choice(env, "notify_min_severity", SEVERITIES, "medium"),
            phase=_choice(env, "phase", get_args(Phase), "foundational"),
            response_mode=_choice(env, "response_mode", RESPONSE_MODES, "notify"),
            offload_bucket=env.get(ENV["offload_bucket"]) or None,
            body_bucket=env.get(ENV["body_bucket"]) or None,
            log_bucket=env.get(ENV["log_bucket"]) or None,
        )

    def require(self, field: str) -> str:
        """The value of a string setting the caller cannot do without."""
        value = getattr(self, field)
        if not isinstance(value, str) or not value:
            raise ConfigError(f"environment variable {ENV[field]} is not set", key=ENV[field])
        return value
