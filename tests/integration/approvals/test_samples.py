"""Every events/ sample of the approval functions, through its handler (what `sam local invoke -e` would run)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import EVENTS, load_json
from tests.integration.approvals.conftest import Env
from tests.integration.approvals.helpers import invoke

# sample -> HTTP status the API / Slack function answers (after the request samples made the approval)
EXPECTED_STATUS = {
    "ApprovalApiFunction/list-pending": 200, "ApprovalApiFunction/show": 200, "ApprovalApiFunction/approve": 200,
    "ApprovalApiFunction/reject-self-approval": 403, "ApprovalApiFunction/unsigned": 401,
    "SlackInteractivityFunction/stale-signature": 401,
}


def test_samples_are_covered() -> None:
    found = {f"{p.parent.name}/{p.stem}" for fn in ("ApprovalApiFunction", "SlackInteractivityFunction")
             for p in (EVENTS / fn).glob("*.json")}
    assert found == set(EXPECTED_STATUS)
    assert {p.stem for p in (EVENTS / "RequestApprovalFunction").glob("*.json")} == {"request", "escalation"}


@pytest.mark.parametrize("sample", sorted(EXPECTED_STATUS))
def test_sample(plain_env: Env, monkeypatch: pytest.MonkeyPatch, sample: str) -> None:
    monkeypatch.setattr("aidr.approvals.notify.post_json", lambda url, body: 200)
    request = load_json(EVENTS / "RequestApprovalFunction" / "request.json")
    first = invoke("RequestApprovalFunction", request)
    assert first["notified"] is True
    escalated = invoke("RequestApprovalFunction", load_json(EVENTS / "RequestApprovalFunction" / "escalation.json"))
    assert escalated["approval_id"] == first["approval_id"] and escalated["stage"] == "escalation"
    function_id, name = sample.split("/")
    resp = invoke(function_id, load_json(EVENTS / function_id / f"{name}.json"))
    assert resp["statusCode"] == EXPECTED_STATUS[sample], json.loads(resp["body"])
