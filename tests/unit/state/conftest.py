"""State backends under test: MemoryState, and DynamoDBState on the template's state table in moto."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from aidr.state import MemoryState, StateStore
from aidr.state.dynamodb import DynamoDBState
from moto import mock_aws

from tests.integration.moto_account import aws_client, create_table

TABLE = "aidr-test-state"
Writers = Callable[[], StateStore]


class Clock:
    """Wall time the test moves by hand (TTL expiry)."""

    def __init__(self, now: float = 1_795_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def ddb_table() -> Iterator[str]:
    with mock_aws():
        create_table(aws_client("dynamodb"), TABLE, "StateTable")
        yield TABLE


@pytest.fixture(params=["memory", "dynamodb"])
def writers(request: pytest.FixtureRequest) -> Iterator[Writers]:
    """Makes writers that share one backend, as concurrent Lambda invocations share the table."""
    if request.param == "memory":
        shared = MemoryState()
        yield lambda: shared
        return
    table = request.getfixturevalue("ddb_table")
    clock = request.getfixturevalue("clock")
    yield lambda: DynamoDBState(table, aws_client("dynamodb"), clock=clock)


@pytest.fixture
def store(writers: Writers) -> StateStore:
    return writers()
