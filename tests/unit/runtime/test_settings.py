from __future__ import annotations

import pytest
from aidr.errors import ConfigError
from aidr.runtime import Settings


def test_defaults_when_the_environment_is_empty() -> None:
    s = Settings.from_env({})
    assert (s.security_hub, s.notify_min_severity, s.phase, s.response_mode) == (
        False, "medium", "foundational", "notify")


def test_values_are_read_and_normalised() -> None:
    s = Settings.from_env({"AIDR_SECURITY_HUB": "TRUE", "AIDR_NOTIFY_MIN_SEVERITY": " High ", "AIDR_PHASE": "advanced",
                           "AIDR_RESPONSE_MODE": "approve", "AIDR_EVENT_BUS": "aidr-prod"})
    assert (s.security_hub, s.notify_min_severity, s.phase, s.response_mode) == (True, "high", "advanced", "approve")
    assert s.require("event_bus") == "aidr-prod"


@pytest.mark.parametrize(
    ("variable", "value"),
    [("AIDR_SECURITY_HUB", "yes"), ("AIDR_NOTIFY_MIN_SEVERITY", "severe"), ("AIDR_PHASE", "expert"),
     ("AIDR_RESPONSE_MODE", "yolo")],
)
def test_invalid_values_name_the_variable(variable: str, value: str) -> None:
    with pytest.raises(ConfigError, match=f"{variable}='{value}': expected one of") as e:
        Settings.from_env({variable: value})
    assert e.value.key == variable


def test_require_names_the_missing_variable() -> None:
    with pytest.raises(ConfigError, match="environment variable AIDR_TOPIC_ARN is not set"):
        Settings.from_env({"AIDR_TOPIC_ARN": ""}).require("topic_arn")
