"""Emulated accounts for the assessment tests: moto plus canned answers (aidr_cli.assess_emulator).

Service models are loaded once per test run (a shared botocore loader): each test gets a fresh session and moto
state but does not re-read the JSON models, which keeps the suite fast.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import botocore.session
import pytest
from aidr.assess.context import AssessContext
from aidr.assess.model import Result
from aidr.assess.registry import get
from aidr.assess.runner import run_check
from aidr_cli.assess_demo import ACCOUNT, HOME, emulated_session
from aidr_cli.assess_emulator import FakeApis

_LOADER: Any = None


def fast_session(region: str = HOME) -> boto3.session.Session:
    """A boto3 session sharing one botocore data loader with every other test session."""
    global _LOADER
    bs = botocore.session.get_session()
    if _LOADER is None:
        _LOADER = bs.get_component("data_loader")
    else:
        bs.register_component("data_loader", _LOADER)
    return boto3.session.Session(botocore_session=bs, region_name=region)


@pytest.fixture
def account() -> Iterator[tuple[boto3.session.Session, FakeApis]]:
    """An empty emulated account and its FakeApis (canned answers, denials, recorded calls)."""
    with emulated_session(managed_policies=False):
        session = fast_session()
        yield session, FakeApis(session)


def run(check_id: str, session: Any, regions: list[str] | None = None, **ctx_kw: Any) -> list[Result]:
    """Results of one check over ``regions`` (default: the home region) in a fresh run."""
    ctx = AssessContext(session, ACCOUNT, regions or [HOME], home_region=HOME, **ctx_kw)
    chk = get(check_id)
    out: list[Result] = []
    for region in ctx.regions if chk.meta.scope == "region" else [HOME]:
        out.extend(run_check(chk, ctx, region))
    return out


def statuses(results: list[Result]) -> set[str]:
    return {r.status for r in results}
