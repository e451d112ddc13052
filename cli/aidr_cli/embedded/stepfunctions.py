"""Playbooks on moto's Step Functions interpreter: the real ASL, with Lambda tasks run by the in-process handlers.

Needs an active ``mock_aws(config={"stepfunctions": {"execute_state_machine": True}})`` (see :data:`MOTO_CONFIG`)
and a :class:`~aidr_cli.embedded.lambda_seam.LambdaSeam`. :class:`PlaybookHarness` creates the Lambda functions a
state machine calls (moto needs them to exist; the seam runs the code), creates state machines from
``statemachines/<id>.asl.json`` with their ``DefinitionSubstitutions``, starts executions under the name derived
from the finding id, and polls: until the execution ends, or until it waits on a task token (executions run in a
background thread in moto). :func:`steps` and :func:`pending_tokens` read the execution history.

Examples
--------
::

    with mock_aws(config=MOTO_CONFIG), LambdaSeam():
        h = PlaybookHarness()
        h.function("PlaybookStepFunction"); h.function("RequestApprovalFunction")
        arn = h.state_machine("revoke-principal")
        run = h.start(arn, "revoke-principal", finding_id, {"playbook": ..., "finding": ...})
        token = h.wait_for_token(run.arn)
"""

from __future__ import annotations

import io
import json
import re
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from aidr.errors import TemplateError
from aidr.playbooks.catalog import execution_name

from .lambda_seam import repository_root

MOTO_CONFIG: dict[str, Any] = {"stepfunctions": {"execute_state_machine": True}}
REGION = "us-east-1"
TERMINAL = ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")
# Polling competes with the execution's thread for the interpreter: poll often enough, not constantly.
POLL_SECONDS = 0.1
_SUBSTITUTION = re.compile(r"\$\{([A-Za-z0-9_]+)\}")
_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                             "Principal": {"Service": ["lambda.amazonaws.com",
                                                                                       "states.amazonaws.com"]}}]})


def definition(playbook: str, substitutions: dict[str, str], root: Path | None = None) -> str:
    """``statemachines/<playbook>.asl.json`` with every ``${Name}`` substituted (a missing one is an error, as in
    CloudFormation)."""
    path = (root or repository_root()) / "statemachines" / f"{playbook}.asl.json"
    text = path.read_text(encoding="utf-8")
    missing = sorted({m for m in _SUBSTITUTION.findall(text) if m not in substitutions})
    if missing:
        raise TemplateError(f"{path.name}: no DefinitionSubstitutions for {', '.join(missing)}")
    return _SUBSTITUTION.sub(lambda m: substitutions[m.group(1)], text)


@dataclass(frozen=True)
class Execution:
    arn: str
    name: str
    started: bool
    """False when an execution of that name already existed (a re-delivered finding)."""


class PlaybookHarness:
    """Create and drive playbooks in the active moto account."""

    def __init__(self, region: str = REGION, prefix: str = "aidr", session: boto3.session.Session | None = None,
                 root: Path | None = None) -> None:
        self.region = region
        self.prefix = prefix
        self.root = root
        self._session = session or boto3.session.Session(region_name=region)
        self._clients: dict[str, Any] = {}
        self.sfn = self.client("stepfunctions")
        self.functions: dict[str, str] = {}
        self.state_machines: dict[str, str] = {}
        self._role: str | None = None

    def client(self, service: str) -> Any:
        """A client of the harness's session (made once per service: making one costs more than most calls)."""
        if service not in self._clients:
            self._clients[service] = self._session.client(service, region_name=self.region)
        return self._clients[service]

    def role(self) -> str:
        """A role for the emulated functions and state machines (moto checks one is given, not what it allows)."""
        if self._role is None:
            iam = self.client("iam")
            name = f"{self.prefix}-emulated-execution"
            try:
                self._role = iam.get_role(RoleName=name)["Role"]["Arn"]
            except iam.exceptions.NoSuchEntityException:
                self._role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=_TRUST)["Role"]["Arn"]
        return self._role

    def function(self, logical_id: str) -> str:
        """Create the emulated Lambda function ``<prefix>-<LogicalId>`` (the seam finds its handler by the logical
        id in the name); returns its ARN."""
        if logical_id not in self.functions:
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w") as z:
                z.writestr("app.py", "def handler(event, context):\n    raise RuntimeError('run through the seam')\n")
            resp = self.client("lambda").create_function(
                FunctionName=f"{self.prefix}-{logical_id}", Runtime="python3.12", Role=self.role(),
                Handler="app.handler", Code={"ZipFile": buf.getvalue()}, Timeout=60)
            self.functions[logical_id] = resp["FunctionArn"]
        return self.functions[logical_id]

    def substitutions(self) -> dict[str, str]:
        """``<LogicalId>Arn`` of every function created, as the template's DefinitionSubstitutions name them."""
        return {f"{lid}Arn": arn for lid, arn in self.functions.items()}

    def state_machine(self, playbook: str, substitutions: dict[str, str] | None = None) -> str:
        """Create the state machine ``<prefix>-<playbook>`` once; returns its ARN."""
        if playbook not in self.state_machines:
            body = definition(playbook, {**self.substitutions(), **(substitutions or {})}, self.root)
            self.state_machines[playbook] = str(self.sfn.create_state_machine(
                name=f"{self.prefix}-{playbook}", definition=body, roleArn=self.role())["stateMachineArn"])
        return self.state_machines[playbook]

    def start(self, state_machine_arn: str, playbook: str, finding_id: str, doc: dict[str, Any]) -> Execution:
        """Start an execution named after the finding; an existing one of that name is returned, not restarted."""
        name = execution_name(playbook, finding_id)
        try:
            arn = self.sfn.start_execution(stateMachineArn=state_machine_arn, name=name,
                                           input=json.dumps(doc, sort_keys=True))["executionArn"]
            return Execution(str(arn), name, True)
        except self.sfn.exceptions.ExecutionAlreadyExists:
            arn = state_machine_arn.replace(":stateMachine:", ":execution:", 1) + f":{name}"
            return Execution(arn, name, False)

    def status(self, execution_arn: str) -> dict[str, Any]:
        return dict(self.sfn.describe_execution(executionArn=execution_arn))

    def wait(self, execution_arn: str, timeout: float = 60.0) -> dict[str, Any]:
        """Poll until the execution ends; returns DescribeExecution."""
        deadline = time.monotonic() + timeout
        while True:
            d = self.status(execution_arn)
            if d["status"] in TERMINAL:
                return d
            if time.monotonic() > deadline:
                raise TimeoutError(f"{execution_arn} still {d['status']} after {timeout}s")
            time.sleep(POLL_SECONDS)

    def wait_for_token(self, execution_arn: str, timeout: float = 60.0, seen: set[str] | None = None) -> str | None:
        """Poll until the execution waits on a task token not in ``seen`` (returned) or ends (None)."""
        deadline = time.monotonic() + timeout
        while True:
            tokens = [t for t in pending_tokens(self.history(execution_arn)) if t not in (seen or set())]
            if tokens:
                return tokens[-1]
            if self.status(execution_arn)["status"] in TERMINAL:
                return None
            if time.monotonic() > deadline:
                raise TimeoutError(f"{execution_arn}: no task token after {timeout}s")
            time.sleep(POLL_SECONDS)

    def history(self, execution_arn: str) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"executionArn": execution_arn}
        while True:
            page = self.sfn.get_execution_history(**kwargs)
            events.extend(page["events"])
            if not page.get("nextToken"):
                return events
            kwargs["nextToken"] = page["nextToken"]


def pending_tokens(history: list[dict[str, Any]]) -> list[str]:
    """Task tokens of ``.waitForTaskToken`` tasks scheduled and not finished yet, oldest first (moto shows the
    token in ``taskScheduledEventDetails.parameters``)."""
    tokens: list[str] = []
    open_task = False
    for ev in history:
        details = ev.get("taskScheduledEventDetails")
        if details and str(details.get("resource", "")).endswith(".waitForTaskToken"):
            params = json.loads(details.get("parameters") or "{}")
            token = (params.get("Payload") or {}).get("task_token")
            if token:
                tokens.append(token)
                open_task = True
        elif ev["type"] in ("TaskSucceeded", "TaskFailed", "TaskTimedOut") and open_task:
            tokens.pop()
            open_task = False
    return tokens


def steps(history: list[dict[str, Any]]) -> list[dict[str, str]]:
    """``[{"name", "status"}]`` per state entered, in order: ``succeeded``, ``failed``, ``timed_out`` (a task's own
    outcome when it has one, else ``entered``/``exited``)."""
    out: list[dict[str, str]] = []
    for ev in history:
        kind = ev["type"]
        if kind.endswith("StateEntered"):
            out.append({"name": ev["stateEnteredEventDetails"]["name"], "status": "entered"})
        elif out and (kind == "TaskSucceeded"  # also after a retried failure
                      or (kind.endswith("StateExited") and out[-1]["status"] == "entered")):
            out[-1]["status"] = "succeeded"
        elif out and kind == "TaskFailed":
            out[-1]["status"] = "failed"
        elif out and kind == "TaskTimedOut":
            out[-1]["status"] = "timed_out"
    for s in out:
        if s["status"] == "entered":
            s["status"] = "failed" if s["name"] in ("Failed", "Refused") else "succeeded"
    return out
