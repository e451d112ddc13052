"""Every check against emulated accounts: PASS in a hardened account, FAIL in ``seeds.more_gaps`` or in the demo
account (tests/integration/assess/test_demo_report.py asserts the demo fails exactly ``SEEDED_GAPS``), and only
the AWS calls it declares (so docs/assess-policy.json is enough). NOT_APPLICABLE and COULD_NOT_ASSESS are covered
for every check in test_framework.py."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from aidr.assess.context import AssessContext
from aidr.assess.registry import all_checks
from aidr.assess.runner import run_check
from aidr.config import AidrConfig
from aidr_cli.assess_demo import ACCOUNT, HOME, SEEDED_GAPS, emulated_session
from aidr_cli.assess_emulator import FakeApis

from . import seeds
from .conftest import fast_session, run, statuses

CHECKS = {c.meta.id: c for c in all_checks()}
KEY_CHECKS = {"iam.bedrock_api_key_expiry", "iam.bedrock_api_key_user_privileges"}


def _run_each(seeder: Callable[[Any, Any], None],
              config: AidrConfig | None = None) -> dict[str, tuple[set[str], set[str]]]:
    """check id -> (statuses, calls made as '<service>:<Operation>'), each check run on its own."""
    out = {}
    with emulated_session(managed_policies=False):
        session = fast_session()
        fake = FakeApis(session)
        seeder(session, fake)
        clients: dict[tuple[str, str], Any] = {}  # shared: making clients costs more than the calls
        for cid, chk in CHECKS.items():
            fake.calls.clear()
            ctx = AssessContext(session, ACCOUNT, [HOME], home_region=HOME, config=config, _clients=clients)
            results = run_check(chk, ctx, HOME)
            out[cid] = ({r.status for r in results}, {f"{s}:{op}" for s, op, _ in fake.calls})
    return out


@pytest.fixture(scope="module")
def hardened() -> dict[str, tuple[set[str], set[str]]]:
    return _run_each(seeds.hardened)


@pytest.fixture(scope="module")
def gaps() -> dict[str, tuple[set[str], set[str]]]:
    return _run_each(seeds.more_gaps, AidrConfig(protected_data_buckets=[seeds.PUBLIC_BUCKET]))


@pytest.mark.parametrize("check_id", sorted(set(CHECKS) - KEY_CHECKS))
def test_passes_in_hardened_account(check_id: str, hardened) -> None:  # type: ignore[no-untyped-def]
    assert hardened[check_id][0] == {"PASS"}


@pytest.mark.parametrize("check_id", sorted(seeds.MORE_GAPS))
def test_fails_in_more_gaps_account(check_id: str, gaps) -> None:  # type: ignore[no-untyped-def]
    assert "FAIL" in gaps[check_id][0] and "COULD_NOT_ASSESS" not in gaps[check_id][0]


def test_every_check_has_a_fail_case() -> None:
    assert set(CHECKS) == SEEDED_GAPS | seeds.MORE_GAPS


@pytest.mark.parametrize("check_id", sorted(CHECKS))
def test_calls_only_declared_apis(check_id: str, hardened, gaps) -> None:  # type: ignore[no-untyped-def]
    declared = set(CHECKS[check_id].meta.api_calls)
    made = hardened[check_id][1] | gaps[check_id][1]
    assert made, "the check made no AWS call in any account"
    assert made <= declared, f"undeclared calls: {sorted(made - declared)}"


@pytest.fixture
def api_key_account(account) -> Iterator[tuple[Any, Any]]:  # type: ignore[no-untyped-def]
    """A user owning an active Bedrock API key valid for 30 days."""
    import json

    session, fake = account
    iam = session.client("iam")
    iam.create_user(UserName="BedrockAPIKey-app")
    iam.put_user_policy(UserName="BedrockAPIKey-app", PolicyName="invoke", PolicyDocument=json.dumps(
        {"Version": "2012-10-17",
         "Statement": [{"Effect": "Allow", "Action": "bedrock:InvokeModel", "Resource": "*"}]}))
    created = datetime(2026, 1, 1, tzinfo=UTC)
    fake.answer("iam", "ListServiceSpecificCredentials", {"ServiceSpecificCredentials": [{
        "UserName": "BedrockAPIKey-app", "Status": "Active", "ServiceName": "bedrock.amazonaws.com",
        "ServiceSpecificCredentialId": "ACCA2EXAMPLEAPPKEY001", "CreateDate": created,
        "ExpirationDate": datetime(2026, 1, 31, tzinfo=UTC)}]})
    yield session, fake


@pytest.mark.parametrize("check_id", sorted(KEY_CHECKS))
def test_api_key_checks_pass_for_a_short_lived_limited_key(check_id: str, api_key_account) -> None:  # type: ignore[no-untyped-def]
    session, _ = api_key_account
    assert statuses(run(check_id, session)) == {"PASS"}


def test_partial_denial_never_passes(account) -> None:  # type: ignore[no-untyped-def]
    """Listing allowed, describing denied: the check cannot see the notebook's settings, so it does not pass."""
    session, fake = account
    session.client("sagemaker").create_notebook_instance(
        NotebookInstanceName="nb", InstanceType="ml.t3.medium", RoleArn=f"arn:aws:iam::{ACCOUNT}:role/r")
    fake.deny("sagemaker", "DescribeNotebookInstance")
    assert statuses(run("sagemaker.notebook_root_access", session)) == {"COULD_NOT_ASSESS"}
