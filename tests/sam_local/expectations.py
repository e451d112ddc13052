"""What each function's `sam local invoke` must give: a small table by function logical id.

Every invoke is first checked generically (sam exited 0, the handler returned JSON, the runtime reported no
unhandled error: see ``Invocation.error``). An entry of :data:`EXPECTATIONS` then checks the response and what the
function did to the emulated account (read back from moto); a function without an entry (a new one) gets the
generic check only. ``Detect*`` functions share one entry, by the sample-naming rule of contracts.md §7: a
``<category>.<case>.json`` sample must put a finding of that category on the aidr bus, a ``benign.*`` one none.
"""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aidr.findings.model import SEVERITY_ORDER, Finding
from aidr.findings.store import FindingStore

from tests.conftest import load_json
from tests.integration.handlers import published_findings
from tests.sam_local.account import EmulatedAccount
from tests.sam_local.harness import Invocation
from tests.unit.invocation.records import converse

Check = Callable[[Invocation, Path, EmulatedAccount], None]
Prepare = Callable[[Path, EmulatedAccount], None]


@dataclass(frozen=True)
class Expectation:
    check: Check | None = None
    prepare: Prepare | None = None  # makes what the sample refers to (e.g. the S3 object it announces)
    errors: dict[str, str] = field(default_factory=dict)  # sample stem -> the errorType it must end with


def check_detector(result: Invocation, path: Path, account: EmulatedAccount) -> None:
    kind = path.stem.split(".", 1)[0]
    summary = result.response
    findings = published_findings(account)
    assert (summary["function"], summary["duplicate"]) == (path.parent.name, False), summary
    assert sorted(summary["findings"]) == sorted(f.id for f in findings), (summary, findings)
    if kind == "benign":
        assert findings == [], [(f.detector, f.title) for f in findings]
    else:
        assert kind in {f.category for f in findings}, [(f.detector, f.category) for f in findings]
        logs = (result.stdout + result.stderr).replace(" ", "")  # the container's output: EMF metrics included
        assert f'"category":"{kind}"' in logs and "FindingsEmitted" in logs, "no FindingsEmitted metric (EMF) logged"


def check_record_finding(result: Invocation, path: Path, account: EmulatedAccount) -> None:
    finding = Finding.model_validate(load_json(path)["detail"])
    env = account.function_env("RecordFindingFunction", account.endpoint)
    notify = SEVERITY_ORDER[finding.severity] >= SEVERITY_ORDER[env["AIDR_NOTIFY_MIN_SEVERITY"]]
    assert result.response == {"finding_id": finding.id, "new": True, "escalated": False, "notified": notify,
                               "exported": False}
    assert FindingStore(env["AIDR_FINDINGS_TABLE"], account.client("dynamodb")).get(finding.id) == finding
    notes = account.notifications()
    assert [n["finding"]["id"] for n in notes] == ([finding.id] if notify else []), notes


def _log_events(event: dict[str, Any]) -> dict[str, Any]:
    return json.loads(gzip.decompress(base64.b64decode(event["awslogs"]["data"])))


S3_SAMPLE_RECORDS = 2


def put_announced_object(path: Path, account: EmulatedAccount) -> None:
    """The S3 sample announces an invocation-log object: write one with two records where it says."""
    event = load_json(path)
    for rec in event.get("Records", []):
        s3 = account.client("s3")
        bucket, key = rec["s3"]["bucket"]["name"], rec["s3"]["object"]["key"]
        s3.create_bucket(Bucket=bucket)
        lines = "\n".join(json.dumps(converse(f"question {i}")) for i in range(S3_SAMPLE_RECORDS))
        s3.put_object(Bucket=bucket, Key=key, Body=gzip.compress(lines.encode()))


def check_forwarder(result: Invocation, path: Path, account: EmulatedAccount) -> None:
    event, counts = load_json(path), result.response
    if "awslogs" in event:
        logs = _log_events(event)
        expected = len(logs["logEvents"]) if logs["messageType"] == "DATA_MESSAGE" else 0
    else:
        expected = S3_SAMPLE_RECORDS * len(event["Records"])
    assert (counts["Records"], counts["Forwarded"], counts["DeadLettered"]) == (expected, expected, 0), counts
    delivered = account.bus_events()
    assert len(delivered) == expected, delivered
    assert all(ev["source"] == "aidr" for ev in delivered), delivered


def create_principal(path: Path, account: EmulatedAccount) -> None:
    """A playbook sample acts on its finding's principal: the IAM user must exist for the guard to resolve it."""
    principal = (load_json(path).get("run", {}).get("finding") or {}).get("principal") or {}
    if principal.get("type") == "IAMUser":
        iam = account.client("iam")
        name = principal["arn"].rsplit("/", 1)[1]
        if name not in {u["UserName"] for u in iam.list_users()["Users"]}:
            iam.create_user(UserName=name)


# HTTP status each approvals sample answers once the RequestApprovalFunction samples made the approval (as
# tests/integration/approvals/test_samples.py); the decision ("approve") is invoked last (samples.SAMPLE_ORDER).
HTTP_STATUS = {"ApprovalApiFunction": {"list-pending": 200, "show": 200, "reject-self-approval": 403, "unsigned": 401,
                                       "approve": 200},
               "SlackInteractivityFunction": {"stale-signature": 401}}


def check_http(result: Invocation, path: Path, account: EmulatedAccount) -> None:
    expected = HTTP_STATUS[path.parent.name].get(path.stem)
    assert "statusCode" in result.response, result.response
    if expected is not None:  # a new sample: any answer but a server error
        assert result.response["statusCode"] == expected, result.response
    assert result.response["statusCode"] < 500, result.response


def check_request_approval(result: Invocation, path: Path, account: EmulatedAccount) -> None:
    event, response = load_json(path), result.response
    assert response["approval_id"], response
    if event.get("escalation"):
        assert response["stage"] == "escalation", response
    else:
        assert response["notified"] is True, response


DETECTOR = Expectation(check_detector)
EXPECTATIONS: dict[str, Expectation] = {
    "RecordFindingFunction": Expectation(check_record_finding),
    "ForwardInvocationLogsFunction": Expectation(check_forwarder, prepare=put_announced_object),
    # rollback-load alone, with no containment applied for its finding, must refuse (the state machine catches
    # GuardRefused and ends the rollback as "nothing to roll back").
    "PlaybookStepFunction": Expectation(prepare=create_principal, errors={"rollback-load": "GuardRefused"}),
    "RequestApprovalFunction": Expectation(check_request_approval),
    "ApprovalApiFunction": Expectation(check_http),
    "SlackInteractivityFunction": Expectation(check_http),
}


def expectation(function_id: str) -> Expectation | None:
    if function_id.startswith("Detect"):
        return DETECTOR
    return EXPECTATIONS.get(function_id)
