"""Containment actions against moto: an emulated account per test and a recording client factory."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from moto import mock_aws

from tests.unit.actions.support import Recorder


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


@pytest.fixture
def rec(aws: None) -> Recorder:
    """Clients for the actions under test; every call they make is recorded."""
    return Recorder()
