"""An emulated account (moto, in process) that runs the containment playbooks for real.

What the playbook functions use, declared as in template.yaml: the state, ledger and approvals tables (their key
schemas read from the template), the findings topic (with a queue subscribed, so notifications can be read back),
the config parameter, the responder role; the emulated Lambda functions PlaybookStepFunction and
RequestApprovalFunction (their real handlers run in process through the seam) and one state machine per playbook
from ``statemachines/``. The functions' environment is set in ``os.environ`` for as long as the account is open.

Approvals are decided as an on-call engineer would: through :func:`aidr.approvals.decide.decide` with an approver
ARN from the config, which checks the approver, records the decision and answers the wait.

Use inside ``mock_aws(config=MOTO_CONFIG)``::

    with mock_aws(config=MOTO_CONFIG), ResponseAccount(config) as acct:
        run = acct.start(finding)
        acct.decide(run, "approved")
        acct.wait(run)
"""

from __future__ import annotations

import functools
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import yaml
from aidr.config import AidrConfig
from aidr.errors import TemplateError
from aidr.playbooks import PLAYBOOKS, ROLLBACK, select_playbook

from .embedded.lambda_seam import LambdaSeam
from .embedded.stepfunctions import REGION, Execution, PlaybookHarness, pending_tokens
from .template import load_template

PREFIX = "aidr"
RESPONDER_ROLE = f"{PREFIX}-responder"
APPROVER_ROLE = f"{PREFIX}-oncall"
TABLES = {"StateTable": "AIDR_STATE_TABLE", "LedgerTable": "AIDR_LEDGER_TABLE",
          "ApprovalsTable": "AIDR_APPROVALS_TABLE"}
FUNCTIONS = ("PlaybookStepFunction", "RequestApprovalFunction")
# Handlers run in this process: no metrics on stdout, quiet logs, no tracing.
QUIET_ENV = {"POWERTOOLS_METRICS_DISABLED": "true", "POWERTOOLS_TRACE_DISABLED": "true",
             "POWERTOOLS_LOG_LEVEL": "ERROR", "POWERTOOLS_METRICS_NAMESPACE": "aidr-embedded",
             "POWERTOOLS_SERVICE_NAME": "aidr"}


@functools.cache
def _resources() -> dict[str, Any]:
    return dict(load_template()["Resources"])


def table_spec(logical_id: str) -> dict[str, Any]:
    """CreateTable arguments (less the name) of a table in template.yaml."""
    resource = _resources().get(logical_id)
    if resource is None:
        raise TemplateError(f"template.yaml has no {logical_id}")
    props = resource["Properties"]
    return {"KeySchema": props["KeySchema"], "AttributeDefinitions": props["AttributeDefinitions"],
            "BillingMode": "PAY_PER_REQUEST"}


def config_yaml(config: AidrConfig) -> str:
    """The config as the YAML document the functions read from SSM."""
    return yaml.safe_dump(config.model_dump(mode="json", exclude_defaults=True), sort_keys=True)


@dataclass
class Run:
    """One playbook execution in the emulated account."""

    playbook: str
    finding_id: str
    execution: Execution

    @property
    def arn(self) -> str:
        return self.execution.arn


class ResponseAccount:
    """Set up the playbooks' resources in the active moto account; a context manager that also sets the functions'
    environment and routes Lambda invocations to the in-process handlers.

    Parameters
    ----------
    config
        The aidr config; approvers default to :data:`APPROVER_ROLE` when the config names none.
    mode
        The response mode (``notify`` | ``approve`` | ``auto``).
    approval_timeout_max
        Cap on each approval wait in seconds (the emulated on-call does not wait for minutes).
    """

    def __init__(self, config: AidrConfig | None = None, *, mode: str = "approve",
                 approval_timeout_max: int | None = 30, region: str = REGION) -> None:
        config = config or AidrConfig()
        self.harness = PlaybookHarness(region=region, prefix=PREFIX)
        account = self.harness.client("sts").get_caller_identity()["Account"]
        self.approver_arn = f"arn:aws:iam::{account}:role/{APPROVER_ROLE}"
        if not config.approvers:
            config = config.model_copy(update={"approvers": [self.approver_arn]})
        self.config = config
        self.mode = mode
        self.approval_timeout_max = approval_timeout_max
        self.env: dict[str, str] = {}
        self.seam = LambdaSeam()
        self._saved: dict[str, str | None] = {}
        self._topic_queue: str | None = None

    # -- setup ---------------------------------------------------------------------------------------------------
    def setup(self) -> None:
        h = self.harness
        ddb = h.client("dynamodb")
        for lid, var in TABLES.items():
            name = f"{PREFIX}-{lid}"
            ddb.create_table(TableName=name, **table_spec(lid))
            self.env[var] = name
        sqs, sns = h.client("sqs"), h.client("sns")
        topic = sns.create_topic(Name=f"{PREFIX}-findings")["TopicArn"]
        self._topic_queue = sqs.create_queue(QueueName=f"{PREFIX}-topic-tap")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=self._topic_queue,
                                             AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
        parameter = f"/{PREFIX}/config"
        h.client("ssm").put_parameter(Name=parameter, Value=config_yaml(self.config), Type="String", Overwrite=True)
        iam = h.client("iam")
        trust = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                                   "Principal": {"Service": "lambda.amazonaws.com"}}]})
        responder = iam.create_role(RoleName=RESPONDER_ROLE, AssumeRolePolicyDocument=trust)["Role"]["Arn"]
        account = h.client("sts").get_caller_identity()["Account"]
        self.env.update({
            "AIDR_CONFIG_PARAMETER": parameter, "AIDR_TOPIC_ARN": topic, "AIDR_RESPONDER_ROLE_ARN": responder,
            "AIDR_OWN_ROLE_PATTERNS": f"{PREFIX}-*", "AIDR_RESPONSE_MODE": self.mode, "AIDR_PHASE": "advanced",
            "AIDR_STATE_MACHINE_PREFIX": f"arn:aws:states:{h.region}:{account}:stateMachine:{PREFIX}-",
            "AWS_DEFAULT_REGION": h.region, "AWS_REGION": h.region,  # as in Lambda
            **QUIET_ENV,
        })
        if self.approval_timeout_max:
            self.env["AIDR_APPROVAL_TIMEOUT_MAX_SECONDS"] = str(self.approval_timeout_max)
        for lid in FUNCTIONS:
            h.function(lid)

    def __enter__(self) -> ResponseAccount:
        from aidr.aws import reset_clients
        from aidr.runtime import clear_config_cache

        reset_clients()
        clear_config_cache()
        self.setup()
        self._saved = {k: os.environ.get(k) for k in self.env}
        os.environ.update(self.env)
        self.seam.__enter__()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        from aidr.aws import reset_clients
        from aidr.runtime import clear_config_cache

        self.seam.__exit__(exc_type, exc, tb)
        for k, v in self._saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        reset_clients()
        clear_config_cache()

    # -- running -------------------------------------------------------------------------------------------------
    def state_machine(self, playbook: str) -> str:
        """The playbook's state machine (created on first use: moto parses each definition when it is created)."""
        if playbook not in PLAYBOOKS:
            raise ValueError(f"unknown playbook {playbook!r}")
        return self.harness.state_machine(playbook)

    def playbook_for(self, finding: dict[str, Any]) -> str | None:
        return select_playbook(finding, self.config)

    def start(self, finding: dict[str, Any], playbook: str | None = None) -> Run | None:
        """Start the finding's playbook (as StartPlaybookFunction would); None when no rule maps it."""
        playbook = playbook or self.playbook_for(finding)
        if playbook is None:
            return None
        doc = {"playbook": playbook, "mode": self.mode, "finding_id": finding["id"], "finding": finding}
        ex = self.harness.start(self.state_machine(playbook), playbook, str(finding["id"]), doc)
        return Run(playbook, str(finding["id"]), ex)

    def rollback(self, finding_id: str) -> Run:
        doc = {"playbook": ROLLBACK, "finding_id": finding_id}
        ex = self.harness.start(self.state_machine(ROLLBACK), ROLLBACK, finding_id, doc)
        return Run(ROLLBACK, finding_id, ex)

    def wait_for_approval(self, run: Run, timeout: float = 60.0) -> str | None:
        """The approval id once the run waits on an approval (the request is stored), or None if it ended."""
        token = self.harness.wait_for_token(run.arn, timeout)
        if token is None:
            return None
        from aidr.approvals.store import approval_id

        return approval_id(run.arn)

    def decide(self, approval_id: str, decision: str, reason: str = "emulated on-call decision",
               by: str | None = None) -> dict[str, Any]:
        """Decide an approval as an approver would (checks, single-use record, ledger, answer to the wait)."""
        from aidr.approvals.decide import decide
        from aidr.approvals.store import ApprovalStore
        from aidr.ledger import Ledger

        ddb = self.harness.client("dynamodb")
        store = ApprovalStore(self.env["AIDR_APPROVALS_TABLE"], ddb)
        # The request is stored by RequestApprovalFunction after the wait began: wait for the record.
        for _ in range(500):
            if store.get(approval_id) is not None:
                break
            time.sleep(0.05)
        return decide(store, approval_id, by or self.approver_arn, decision, reason, self.config,
                      sfn_client=self.harness.sfn, ledger=Ledger(self.env["AIDR_LEDGER_TABLE"], ddb), via="cli")

    def wait(self, run: Run, timeout: float = 120.0) -> dict[str, Any]:
        return self.harness.wait(run.arn, timeout)

    def waiting(self, run: Run) -> bool:
        return bool(pending_tokens(self.harness.history(run.arn)))

    # -- reading -------------------------------------------------------------------------------------------------
    def notifications(self) -> list[dict[str, Any]]:
        """SNS messages published since the last call: ``{"subject", "message"}`` (message parsed when JSON)."""
        sqs = self.harness.client("sqs")
        out: list[dict[str, Any]] = []
        while True:
            msgs = sqs.receive_message(QueueUrl=self._topic_queue, MaxNumberOfMessages=10).get("Messages", [])
            if not msgs:
                return out
            for m in msgs:
                body = json.loads(m["Body"])
                try:
                    message: Any = json.loads(body["Message"])
                except ValueError:
                    message = body["Message"]
                out.append({"subject": body.get("Subject"), "message": message})
                sqs.delete_message(QueueUrl=self._topic_queue, ReceiptHandle=m["ReceiptHandle"])

    def ledger(self) -> Any:
        from aidr.ledger import Ledger

        return Ledger(self.env["AIDR_LEDGER_TABLE"], self.harness.client("dynamodb"))


@contextmanager
def response_account(config: AidrConfig | None = None, **kwargs: Any) -> Iterator[ResponseAccount]:
    """A fresh emulated account with the playbooks deployed (opens its own ``mock_aws``)."""
    from moto import mock_aws

    from .embedded.stepfunctions import MOTO_CONFIG

    with mock_aws(config=MOTO_CONFIG), ResponseAccount(config, **kwargs) as acct:
        yield acct
