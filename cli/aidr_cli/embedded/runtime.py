"""The embedded runtime: template.yaml deployed into an emulated account (moto, in process), events delivered.

>>> with embedded_account({"MaturityPhase": "advanced"}) as rt:   # doctest: +SKIP
...     rt.ingest(records)          # CloudTrail / GuardDuty / invocation-log records, as AWS would deliver them
...     rt.bus.deliveries           # what reached which function or state machine, by which rule

Nothing here reaches AWS: moto intercepts every client made while the runtime is active, fake credentials are
set for its duration and the caller's environment is restored afterwards.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aidr.normalize.envelope import INVOCATION_LOG, envelope_from_record

from .account import ACCOUNT, REGION, Deployment, deploy
from .delivery import Bus, Delivery, Handlers, routed_to, set_environment
from .seed import LOG_GROUP as INVOCATION_LOG_GROUP

FAKE_ENV = {
    "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION, "MOTO_ACCOUNT_ID": ACCOUNT,
}
MOTO_CONFIG = {"stepfunctions": {"execute_state_machine": True}}
_clients_checked = False
_active = False


@contextlib.contextmanager
def _inactive_on_exit() -> Iterator[None]:
    global _active
    try:
        yield
    finally:
        _active = False


@dataclass
class Runtime:
    deployment: Deployment
    bus: Bus
    inventory: dict[str, Any] = field(default_factory=dict)
    seam: Any = None  # the LambdaSeam answering moto's Lambda invokes (its .invocations)

    @property
    def handlers(self) -> Handlers:
        return self.bus.handlers

    def put_config(self, text: str) -> None:
        """Write the aidr config document into the parameter the functions read (as an operator would)."""
        from aidr.aws import client
        from aidr.runtime import clear_config_cache

        name = self.deployment.env()["AIDR_CONFIG_PARAMETER"]
        client("ssm").put_parameter(Name=name, Value=text, Type="String", Overwrite=True)
        clear_config_cache()

    def ingest(self, record: Any) -> list[Delivery]:
        """Deliver one recorded event as AWS would, then everything it causes; returns those deliveries.

        CloudTrail records and GuardDuty findings arrive on the default bus; invocation-log records on the aidr
        bus, as the log forwarder puts them.
        """
        from aidr.aws import client

        env = envelope_from_record(record)
        if env is None:
            raise ValueError("not a record aidr reads (CloudTrail, GuardDuty, EventBridge, invocation log)")
        if env["detail-type"] == INVOCATION_LOG:
            forwarder = self.deployment.log_subscriptions.get(INVOCATION_LOG_GROUP)
            if forwarder is not None:  # as deployed: CloudWatch Logs subscription -> forwarder -> aidr bus
                self.handlers.invoke(self.deployment.functions[forwarder], awslogs_event(env["detail"]))
                return self.bus.drain()
            from aidr.logs.entries import make_entry

            # No subscription in this deployment: put the record where the forwarder would.
            entry = make_entry(env["detail"], self.deployment.env()["AIDR_EVENT_BUS"])
        else:
            if isinstance(env["detail"].get("eventSource"), str):  # CloudTrail: the call happened in the account
                from .effects import apply_effect

                apply_effect(env["detail"])
            entry = {"Source": env["source"], "DetailType": env["detail-type"], "EventBusName": "default",
                     "Detail": _dumps(env["detail"]), "Resources": env.get("resources") or []}
            if env.get("time"):
                from aidr.normalize.timeutil import parse_time

                entry["Time"] = parse_time(env["time"])
        resp = client("events").put_events(Entries=[entry])
        if resp.get("FailedEntryCount"):
            raise RuntimeError(f"PutEvents refused the event: {resp['Entries'][0]}")
        return self.bus.drain()

    def ingest_all(self, records: Iterable[Any]) -> list[Delivery]:
        out: list[Delivery] = []
        for r in records:
            out.extend(self.ingest(r))
        return out


def awslogs_event(record: dict[str, Any]) -> dict[str, Any]:
    """The CloudWatch Logs subscription event delivering one invocation-log record (base64 of gzipped JSON)."""
    import base64
    import gzip

    from aidr.normalize.timeutil import parse_time

    t = parse_time(record.get("timestamp"))
    payload = {"messageType": "DATA_MESSAGE", "owner": ACCOUNT, "logGroup": INVOCATION_LOG_GROUP,
               "logStream": "aws/bedrock/modelinvocations", "subscriptionFilters": ["aidr-invocation-logs"],
               "logEvents": [{"id": str(record.get("requestId", "0")),
                              "timestamp": int(t.timestamp() * 1000) if t else 0, "message": _dumps(record)}]}
    return {"awslogs": {"data": base64.b64encode(gzip.compress(_dumps(payload).encode())).decode()}}


def _dumps(obj: Any) -> str:
    import orjson

    return orjson.dumps(obj).decode()


@contextlib.contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        set_environment(saved)


@contextlib.contextmanager
def embedded_account(parameters: dict[str, str] | None = None, template: str | Path | None = None,
                     seed: bool = True, config_text: str | None = None) -> Iterator[Runtime]:
    """Deploy the template in a fresh emulated account, seed it (optionally) and route its events."""
    from aidr.aws import reset_clients
    from aidr.runtime import clear_config_cache
    from moto import mock_aws

    global _clients_checked, _active
    if _active:
        raise RuntimeError("an embedded account is already active in this process (moto keeps one set of backends)")
    _active = True
    with _environment(FAKE_ENV), mock_aws(config=MOTO_CONFIG), _inactive_on_exit(), quiet_interpreter():
        if not _clients_checked:
            # Clients made before moto was imported would reach AWS: forget them once. Later ones are intercepted
            # and reused across accounts (moto resets its backends per mock_aws; making clients is slow).
            reset_clients()
            _clients_checked = True
        clear_config_cache()
        _reset_step_functions_interpreter()
        try:
            deployment = deploy(template, parameters)
            bus = Bus(deployment)
            with routed_to(bus), _lambda_seam(deployment, bus.handlers) as seam:
                rt = Runtime(deployment, bus, seam=seam)
                if seed:
                    from .seed import seed_account

                    rt.inventory = seed_account()
                if config_text is not None:
                    rt.put_config(config_text)
                try:
                    yield rt
                finally:
                    _stop_executions(deployment)
        finally:
            clear_config_cache()


def _stop_executions(deployment: Deployment) -> None:
    """Stop what still runs (a playbook waiting for an approval nobody gave): its thread must not act on the next
    emulated account, which has the same account id and resource names."""
    from aidr.aws import client

    sfn = client("stepfunctions")
    for arn in deployment.state_machines.values():
        for ex in sfn.list_executions(stateMachineArn=arn, statusFilter="RUNNING")["executions"]:
            # Best effort: moto 5.2.5 cannot stop an execution whose worker has not started (AttributeError).
            with contextlib.suppress(Exception):
                sfn.stop_execution(executionArn=ex["executionArn"], error="aidr.EmbeddedAccountClosed",
                                   cause="the embedded account was closed")


@contextlib.contextmanager
def quiet_interpreter() -> Iterator[None]:
    """moto's ASL interpreter logs every Fail state (a refused guard is an outcome, not an error) on stderr."""
    import logging

    log = logging.getLogger("moto.stepfunctions.parser")
    level = log.level
    log.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        log.setLevel(level)


def _reset_step_functions_interpreter() -> None:
    """Start the account's Step Functions interpreter backend empty: a state machine of an earlier emulated account
    (same name, same ARN) must not answer for this one. Only this account's region backend is reset
    (``BackendDict.reset`` is a classmethod that would reset, and unregister, every backend of moto)."""
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    stepfunctions_parser_backends[ACCOUNT][REGION].reset()


@contextlib.contextmanager
def _lambda_seam(deployment: Deployment, handlers: Handlers) -> Iterator[Any]:
    """Route moto's Lambda invokes (Step Functions tasks) to the same in-process handlers, with each function's
    environment, through the playbook harness's seam."""
    from .lambda_seam import LambdaSeam

    routes = {fn.name: _bound(handlers, fn) for fn in deployment.functions.values()}
    with LambdaSeam(routes, root=deployment.root) as seam:
        yield seam


def _bound(handlers: Handlers, fn: Any) -> Any:
    return lambda event, _context: handlers.invoke(fn, event)
