"""Integration fixtures: the emulated account, with the functions' environment set and the config cache reset."""

from __future__ import annotations

from collections.abc import Iterator

import aws_xray_sdk.core  # noqa: F401  (see below)
import pytest
from aidr.aws import reset_clients
from aidr.runtime import clear_config_cache
from moto import mock_aws

from tests.integration.moto_account import Account, build_account

# The handlers' module-level Tracer() builds the X-Ray recorder, whose UDP emitter makes a socket (never used
# while tracing is disabled). Built here, at collection, so the tests also run under pytest-socket.


@pytest.fixture(scope="session", autouse=True)
def _forget_clients() -> Iterator[None]:
    """Clients cached by aidr.aws are reused across tests: moto intercepts every client made after it was
    imported (and resets its backends per ``mock_aws``), and making clients is most of an invocation's time.
    Forgotten at the end so nothing outside these tests inherits them."""
    reset_clients()
    yield
    reset_clients()


@pytest.fixture
def account(monkeypatch: pytest.MonkeyPatch) -> Iterator[Account]:
    with mock_aws():
        clear_config_cache()
        acct = build_account()
        for k, v in acct.env.items():
            monkeypatch.setenv(k, v)
        yield acct
    clear_config_cache()
