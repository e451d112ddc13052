"""The SSM config: read once per container for a few minutes, and never run without it (fail closed)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from aidr.errors import ConfigError
from aidr.runtime import clear_config_cache, get_config
from botocore.stub import Stubber

PARAM = "/aidr/prod/config"


@pytest.fixture
def ssm() -> Iterator[tuple[Any, Stubber]]:
    clear_config_cache()
    client = boto3.client("ssm", region_name="us-east-1")
    with Stubber(client) as stub:
        yield client, stub
        stub.assert_no_pending_responses()
    clear_config_cache()


def answer(stub: Stubber, value: str) -> None:
    stub.add_response("get_parameter", {"Parameter": {"Name": PARAM, "Type": "String", "Value": value, "Version": 1}},
                      {"Name": PARAM, "WithDecryption": True})


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_read_once_then_cached_until_the_ttl(ssm: tuple[Any, Stubber]) -> None:
    client, stub = ssm
    clock = Clock()
    answer(stub, "approved_models: [anthropic.claude-3-haiku]")
    answer(stub, "approved_models: [amazon.titan]")
    first = get_config(PARAM, client, ttl_seconds=300, clock=clock)
    clock.now += 299
    assert get_config(PARAM, client, ttl_seconds=300, clock=clock) is first  # no second GetParameter
    clock.now += 2
    assert get_config(PARAM, client, ttl_seconds=300, clock=clock).approved_models == ["amazon.titan"]


def test_missing_parameter_names_it_and_is_not_cached(ssm: tuple[Any, Stubber]) -> None:
    client, stub = ssm
    stub.add_client_error("get_parameter", "ParameterNotFound", "Parameter not found", 400)
    with pytest.raises(ConfigError, match=f"ssm:{PARAM}: cannot read config parameter"):
        get_config(PARAM, client)
    answer(stub, "{}")
    assert get_config(PARAM, client).approved_models is None  # the next invocation reads again


@pytest.mark.parametrize(
    ("value", "message"),
    [("require_guardrails: maybe", "key 'require_guardrails'"), ("trusted_principals: [", "not valid YAML"),
     ("- a list", "expected a mapping")],
)
def test_invalid_config_is_an_error(ssm: tuple[Any, Stubber], value: str, message: str) -> None:
    client, stub = ssm
    answer(stub, value)
    with pytest.raises(ConfigError, match=message):
        get_config(PARAM, client)
