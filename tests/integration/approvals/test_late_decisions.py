"""Decisions that arrive after the wait ended are "already resolved"; transient errors leave the approval pending.

moto 5.2.5 accepts a token after its wait timed out, where Step Functions answers TaskTimedOut; botocore's
Stubber plays Step Functions here.
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from aidr.approvals import AlreadyResolved, ApprovalStore, decide
from aidr.config import AidrConfig
from aidr.ledger import Ledger
from botocore.exceptions import ClientError
from botocore.stub import ANY, Stubber

from tests.integration.approvals.conftest import APPROVALS_TABLE, LEDGER_TABLE, ONCALL, PLAN, Env, finding

CONFIG = AidrConfig(approvers=["arn:aws:iam::111122223333:role/OnCall"])
ARN = "arn:aws:states:us-east-1:111122223333:execution:aidr-revoke-principal:f-late"


def _stubbed(error: str) -> tuple[Any, Stubber]:
    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    stub = Stubber(sfn)
    stub.add_client_error("send_task_success", service_error_code=error, http_status_code=400,
                          expected_params={"taskToken": "token-1", "output": ANY})
    stub.activate()
    return sfn, stub


@pytest.fixture
def parts(env: Env) -> tuple[ApprovalStore, Ledger]:
    st = ApprovalStore(APPROVALS_TABLE, env.client("dynamodb"))
    st.request(execution_arn=ARN, playbook="revoke-principal", finding=finding(), plan=PLAN, task_token="token-1",
               expires_at=0, escalation=False, now="2026-05-01T10:00:00.000Z")
    return st, Ledger(LEDGER_TABLE, env.client("dynamodb"))


@pytest.mark.parametrize("error", ["TaskTimedOut", "InvalidToken", "TaskDoesNotExist"])
def test_a_late_decision_is_already_resolved_and_recorded_as_late(parts: tuple[ApprovalStore, Ledger],
                                                                  error: str) -> None:
    st, ledger = parts
    sfn, stub = _stubbed(error)
    aid = st.list()[0].id
    with pytest.raises(AlreadyResolved):
        decide(st, aid, ONCALL, "approve", "too late", CONFIG, sfn_client=sfn, ledger=ledger)
    stub.assert_no_pending_responses()
    record = st.get(aid)
    assert record and record.status == "expired" and record.decided_by is None
    assert [r["kind"] for r in ledger.records()] == ["approval.late"]
    # The escalation wait re-opens it with its own token.
    reopened = st.request(execution_arn=ARN, playbook="revoke-principal", finding=finding(), plan=PLAN,
                          task_token="token-2", expires_at=0, escalation=True, now="2026-05-01T10:20:00.000Z")
    assert reopened.status == "pending" and reopened.task_token == "token-2"


def test_a_transient_error_leaves_the_approval_pending(parts: tuple[ApprovalStore, Ledger]) -> None:
    st, ledger = parts
    sfn, _ = _stubbed("ThrottlingException")
    aid = st.list()[0].id
    with pytest.raises(ClientError):
        decide(st, aid, ONCALL, "approve", "retry me", CONFIG, sfn_client=sfn, ledger=ledger)
    record = st.get(aid)
    assert record and record.status == "pending" and record.decided_by is None
    assert list(ledger.records()) == []
