"""One emulated deployment of template.yaml (advanced phase, seeded) shared by the tests of a module (one
emulated account at a time): deploying takes seconds, and these tests only read it or deliver events whose
effects they scope by id."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from aidr_cli.embedded.runtime import Runtime, embedded_account
from aidr_cli.embedded.seed import DEMO_CONFIG


@pytest.fixture(scope="module")
def runtime() -> Iterator[Runtime]:
    with embedded_account({"MaturityPhase": "advanced"}, config_text=DEMO_CONFIG) as rt:
        yield rt
