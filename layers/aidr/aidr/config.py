"""aidr configuration (contracts.md section 4), validated with pydantic.

Examples
--------
>>> cfg = load_config_text("approved_models: [anthropic.claude-3-haiku]")
>>> cfg.model_is_approved("anthropic.claude-3-haiku-20240307-v1:0")
True
>>> load_config_text("aproved_models: []")
Traceback (most recent call last):
...
aidr.errors.ConfigError: config: unknown key 'aproved_models' (known keys: ...)
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from .errors import ConfigError
from .playbooks.ids import CONTAINMENT_PLAYBOOKS

SEVERITIES = ("informational", "low", "medium", "high", "critical")
DEFAULT_APPROVAL_TIMEOUTS = {"critical": 900, "high": 3600, "medium": 14400, "low": 86400, "informational": 86400}


class PlaybookRule(BaseModel):
    """Which playbook a finding starts: the first rule whose category matches and whose severity is reached."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    category: str
    playbook: str
    min_severity: str = "high"

    # A typo must not disable response: a category no finding carries never matches, and an unknown playbook
    # would fail StartPlaybookFunction on every finding that reaches the rule, at attack time.
    @field_validator("min_severity")
    @classmethod
    def _severity(cls, v: str) -> str:
        return _one_of(v, SEVERITIES, "severity")

    @field_validator("category")
    @classmethod
    def _category(cls, v: str) -> str:
        from .taxonomy import CATEGORIES

        return _one_of(v, CATEGORIES, "category")

    @field_validator("playbook")
    @classmethod
    def _playbook(cls, v: str) -> str:
        return _one_of(v, CONTAINMENT_PLAYBOOKS, "playbook")


def _one_of(value: str, allowed: Iterable[str], what: str) -> str:
    if value not in allowed:
        raise ValueError(f"unknown {what} {value!r} (one of {', '.join(allowed)})")
    return value


class AidrConfig(BaseModel):
    """Every key is optional; unknown keys are refused (a typo must not silently disable a control)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    approved_models: list[str] | None = None
    trusted_principals: list[str] = []
    protected_data_buckets: list[str] = []
    approved_artifact_sources: list[str] = []
    protected_principals: list[str] = []
    require_guardrails: bool = False
    ai_resource_tags: dict[str, list[str]] = {}
    # Response (issue 5). Approvers are ARN patterns of the people/roles allowed to decide approvals.
    approvers: list[str] = []
    # Empty: the defaults of aidr.playbooks (category -> playbook at high and above).
    playbook_rules: list[PlaybookRule] = []
    # Seconds an approval waits, per finding severity, before it escalates (then the default applies);
    # severities left out keep DEFAULT_APPROVAL_TIMEOUTS.
    approval_timeouts: dict[str, int] = {}
    approval_timeout_default: str = "reject"

    @field_validator("approval_timeout_default")
    @classmethod
    def _timeout_default(cls, v: str) -> str:
        if v not in ("reject", "approve"):
            raise ValueError("must be 'reject' or 'approve'")
        return v

    @field_validator("approval_timeouts")
    @classmethod
    def _timeouts(cls, v: dict[str, int]) -> dict[str, int]:
        for sev, seconds in v.items():
            if sev not in SEVERITIES:
                raise ValueError(f"unknown severity {sev!r} (one of {', '.join(SEVERITIES)})")
            if not 60 <= seconds <= 7 * 86400:
                raise ValueError(f"{sev}: timeout {seconds}s is outside 60s..7 days")
        return v

    @field_validator("trusted_principals", "protected_principals", "approvers")
    @classmethod
    def _arn_patterns(cls, v: list[str]) -> list[str]:
        for p in v:
            if not p.strip():
                raise ValueError("empty ARN pattern")
        return v

    def model_is_approved(self, model_id: str | None) -> bool:
        """True when no allow-list is set or ``model_id`` starts with an approved id or prefix."""
        if self.approved_models is None or not model_id:
            return True
        return any(model_id.startswith(p) for p in self.approved_models)

    def is_trusted(self, arn: str | None) -> bool:
        return _matches_any(arn, self.trusted_principals)

    def is_protected(self, arn: str | None) -> bool:
        return _matches_any(arn, self.protected_principals)

    def is_approver(self, arn: str | None) -> bool:
        return _matches_any(arn, self.approvers)

    def approval_timeout(self, severity: str) -> int:
        """Seconds an approval for a finding of ``severity`` waits before it escalates."""
        return self.approval_timeouts.get(severity, DEFAULT_APPROVAL_TIMEOUTS.get(severity, 3600))


def _matches_any(arn: str | None, patterns: list[str]) -> bool:
    if not arn:
        return False
    return any(fnmatch.fnmatchcase(arn, p) for p in patterns)


KNOWN_KEYS = tuple(AidrConfig.model_fields)


def parse_config(doc: Any, source: str = "config") -> AidrConfig:
    """Validate a parsed YAML/JSON document. Errors name the key and what is wrong with it."""
    if doc is None:
        return AidrConfig()
    if not isinstance(doc, dict):
        raise ConfigError(f"{source}: expected a mapping of keys, got {type(doc).__name__}")
    for key in doc:
        if key not in KNOWN_KEYS:
            raise ConfigError(f"{source}: unknown key {key!r} (known keys: {', '.join(KNOWN_KEYS)})", key=str(key))
    try:
        return AidrConfig.model_validate(doc)
    except ValidationError as e:
        err = e.errors()[0]
        key = ".".join(str(p) for p in err["loc"])
        raise ConfigError(f"{source}: key {key!r}: {err['msg']} (got {err.get('input')!r})", key=key) from None


def load_config_text(text: str, source: str = "config") -> AidrConfig:
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise ConfigError(f"{source}: not valid YAML: {e}") from None
    return parse_config(doc, source)


def load_config_file(path: str | os.PathLike[str]) -> AidrConfig:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as e:
        raise ConfigError(f"{p}: cannot read config file: {e.strerror}") from None
    return load_config_text(text, str(p))


def load_config_from_ssm(parameter_name: str, ssm_client: Any = None) -> AidrConfig:
    """Read the same YAML document from SSM Parameter Store (the Lambda functions' source)."""
    from .aws import client

    ssm = ssm_client or client("ssm")
    try:
        value = ssm.get_parameter(Name=parameter_name, WithDecryption=True)["Parameter"]["Value"]
    except Exception as e:  # any failure to read config must be loud: detectors would run without controls
        raise ConfigError(f"ssm:{parameter_name}: cannot read config parameter: {e}") from e
    return load_config_text(value, f"ssm:{parameter_name}")
