"""The seam itself: moto's Lambda Invoke runs the in-process handler (results, errors, the default lookup), and
SendTaskFailure keeps its cause. It patches moto internals (5.2.5): these tests fail when they move."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from aidr_cli.embedded.lambda_seam import LambdaSeam, load_handler, snake_case
from aidr_cli.embedded.stepfunctions import MOTO_CONFIG, PlaybookHarness
from moto import mock_aws
from moto.awslambda.models import LambdaFunction


@pytest.fixture
def lam() -> Iterator[Any]:
    with mock_aws(config=MOTO_CONFIG):
        client = boto3.client("lambda", region_name="us-east-1")
        role = boto3.client("iam").create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("app.py", "def handler(e, c): return 'canned'")
        for name in ("echo", "aidr-PlaybookStepFunction"):
            client.create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler="app.handler",
                                   Code={"ZipFile": buf.getvalue()})
        yield client


def _invoke(client: Any, name: str, payload: Any) -> tuple[Any, str | None]:
    resp = client.invoke(FunctionName=name, Payload=json.dumps(payload))
    return json.loads(resp["Payload"].read()), resp.get("FunctionError")


def test_invoke_runs_the_registered_handler_with_the_payload_and_a_context(lam: Any) -> None:
    seen: list[Any] = []

    def handler(event: Any, context: Any) -> Any:
        seen.append((event, context.function_name, context.get_remaining_time_in_millis() > 0))
        return {"got": event["x"]}

    with LambdaSeam({"echo": handler}) as seam:
        assert _invoke(lam, "echo", {"x": 1}) == ({"got": 1}, None)
    assert seen == [({"x": 1}, "echo", True)]
    assert [(i.function_name, i.event, i.result) for i in seam.invocations] == [("echo", {"x": 1}, {"got": 1})]


def test_handler_errors_come_back_as_lambda_function_errors(lam: Any) -> None:
    class VerifyFailed(Exception):
        pass

    def boom(event: Any, context: Any) -> Any:
        raise VerifyFailed("not in effect")

    with LambdaSeam({"echo": boom}):
        payload, error = _invoke(lam, "echo", {})
    assert error == "Unhandled"
    assert (payload["errorType"], payload["errorMessage"]) == ("VerifyFailed", "not in effect")


def test_handlers_run_one_at_a_time_whatever_thread_invokes_them(lam: Any) -> None:
    """moto's Step Functions interpreter runs executions in threads and moto's backends are not thread-safe: the
    seam runs one handler at a time (playbook runs on one target made steps fail at random otherwise)."""
    import threading
    import time

    running, overlap = [0], [0]
    guard = threading.Lock()

    def slow(event: Any, context: Any) -> Any:
        with guard:
            running[0] += 1
            overlap[0] = max(overlap[0], running[0])
        time.sleep(0.05)
        with guard:
            running[0] -= 1
        return event

    with LambdaSeam({"echo": slow}):
        threads = [threading.Thread(target=_invoke, args=(boto3.client("lambda", region_name="us-east-1"), "echo",
                                                           {"n": i})) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert overlap[0] == 1


def test_without_an_active_seam_invokes_fail_instead_of_running_docker(lam: Any) -> None:
    with LambdaSeam({"echo": lambda e, c: 1}), LambdaSeam({"echo": lambda e, c: 2}):
        assert _invoke(lam, "echo", {})[0] == 2  # the innermost seam answers
    payload, error = _invoke(lam, "echo", {})  # a Step Functions worker that outlived its account, say
    assert error == "Unhandled" and payload["errorType"] == "aidr.NoActiveSeam"
    assert LambdaFunction.invoke.__name__ == "_seam_invoke"  # moto's Docker runner is never reached


def test_default_lookup_loads_functions_dir_by_the_logical_id_in_the_name() -> None:
    assert snake_case("PlaybookStepFunction") == "playbook_step"
    seam = LambdaSeam()
    assert seam.resolve("aidr-PlaybookStepFunction-1A2B3C") is load_handler("PlaybookStepFunction")
    with pytest.raises(Exception, match="no in-process handler"):
        seam.resolve("unrelated")


def test_state_machine_lambda_tasks_run_through_the_seam_and_failures_keep_their_cause() -> None:
    asl = {"StartAt": "Ask", "States": {
        "Ask": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                "Parameters": {"FunctionName": "${AskFunctionArn}", "Payload": {"task_token.$": "$$.Task.Token"}},
                "Catch": [{"ErrorEquals": ["aidr.Rejected"], "ResultPath": "$.rejected", "Next": "Done"}],
                "Next": "Done"},
        "Done": {"Type": "Succeed"}}}
    tokens: list[str] = []
    with mock_aws(config=MOTO_CONFIG), LambdaSeam({"aidr-AskFunction": lambda e, c: tokens.append(e["task_token"])}):
        h = PlaybookHarness()
        h.function("AskFunction")
        arn = h.sfn.create_state_machine(name="ask", roleArn=h.role(), definition=json.dumps(asl).replace(
            "${AskFunctionArn}", h.functions["AskFunction"]))["stateMachineArn"]
        run = h.start(arn, "ask", "f1", {})
        token = h.wait_for_token(run.arn)
        assert token is not None
        h.sfn.send_task_failure(taskToken=token, error="aidr.Rejected", cause='{"by": "me"}')
        out = json.loads(h.wait(run.arn)["output"])
    assert tokens == [token]  # the handler got the wait's token in its payload
    assert out["rejected"] == {"Error": "aidr.Rejected", "Cause": '{"by": "me"}'}
