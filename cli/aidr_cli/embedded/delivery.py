"""EventBridge delivery in the emulated account: events on a bus reach the in-process handlers its rules target.

Every ``PutEvents`` made in process (by a detector putting findings on the aidr bus, the log forwarder, the
demo's CloudTrail feed) goes through moto as usual and is also queued here; :meth:`Bus.drain` then matches each
event against the template's rules (:mod:`aidr.routing`, the same matcher ``aidr replay`` uses) and:

- invokes ``app.handler`` of each target function in process, with the environment the template gives that
  function (as Lambda's asynchronous invoke would; an error sends the event to the function's DLQ);
- starts an execution of each target state machine, with the event as input (as EventBridge does).

As in AWS, a read-only CloudTrail management event reaches only rules whose state is
``ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS``. moto's own rule targets that are not functions or state
machines (queues, log groups) still receive events from moto itself.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import logging
import os
import sys
import threading
import uuid
import warnings
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

from aidr.routing import Route, Router

from .account import ACCOUNT, Deployment, Function, Rule
from .lambda_context import LambdaContext

READ_ONLY_OPT_IN = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
CLOUDTRAIL_API_CALL = "AWS API Call via CloudTrail"
# Handlers run with the template's environment plus what the Lambda runtime itself sets.
RUNTIME_ENV = {"POWERTOOLS_TRACE_DISABLED": "true", "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST"}


@dataclass
class Delivery:
    """One event handed to one target (what the demo's timeline shows)."""

    event: dict[str, Any]
    bus: str
    rule: str
    target: str  # function or state machine logical id
    kind: str  # "function" | "state-machine"
    result: Any = None
    error: str | None = None


class Handlers:
    """The functions' ``app.handler``s, imported once each; their output is kept in :attr:`logs`, not printed."""

    def __init__(self, deployment: Deployment) -> None:
        self.deployment = deployment
        self.logs = io.StringIO()
        self._modules: dict[str, ModuleType] = {}
        self._lock = threading.RLock()

    def handler(self, fn: Function) -> Any:
        module_name, func = fn.handler.rsplit(".", 1)
        if fn.logical_id not in self._modules:
            path = fn.code_dir / f"{module_name.replace('.', '/')}.py"
            spec = importlib.util.spec_from_file_location(f"aidr_embedded_{fn.logical_id}", path)
            if spec is None or spec.loader is None:
                raise FileNotFoundError(f"{fn.logical_id}: no handler module at {path}")
            module = importlib.util.module_from_spec(spec)
            with self._environment(fn):
                spec.loader.exec_module(module)
            self._modules[fn.logical_id] = module
        return getattr(self._modules[fn.logical_id], func)

    def invoke(self, fn: Function, event: Any) -> Any:
        """Run the handler as Lambda would: its environment set, its stdout (logs, metrics) captured."""
        with self._lock:
            handler = self.handler(fn)
            ctx = LambdaContext(fn.name, fn.arn, log_group_name=f"/aws/lambda/{fn.name}")
            with self._environment(fn), warnings.catch_warnings():
                warnings.filterwarnings("ignore", message="No application metrics to publish")
                return handler(event, ctx)

    @contextlib.contextmanager
    def _environment(self, fn: Function) -> Iterator[None]:
        values = {**fn.env, **RUNTIME_ENV, "AWS_LAMBDA_FUNCTION_NAME": fn.name}
        saved = {k: os.environ.get(k) for k in values}  # only these keys: other threads own the rest
        os.environ.update(values)
        streams = _point_log_handlers(fn.env.get("POWERTOOLS_SERVICE_NAME", "service_undefined"), self.logs)
        try:
            with contextlib.redirect_stdout(self.logs):
                yield
        finally:
            set_environment(saved)
            for h, s in streams:
                h.setStream(s)


def set_environment(values: dict[str, str | None]) -> None:
    """Set (or, for None, remove) these variables and no others."""
    for k, v in values.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


def _point_log_handlers(service: str, sink: io.StringIO) -> list[tuple[logging.StreamHandler, Any]]:
    """Powertools binds its log handler to the stdout of the moment the Logger was made: point it at ``sink``."""
    out = []
    for h in logging.getLogger(service).handlers:
        if isinstance(h, logging.StreamHandler) and h.stream in (sys.stdout, sys.__stdout__):
            out.append((h, h.setStream(sink)))
    return out


class Bus:
    """Routes events put on the emulated buses to the template's rule targets."""

    def __init__(self, deployment: Deployment, handlers: Handlers | None = None) -> None:
        self.deployment = deployment
        self.handlers = handlers or Handlers(deployment)
        self.rules = {r.logical_id: r for r in deployment.rules if r.state != "DISABLED"}
        self.routers: dict[str, Router] = {}
        for bus in {r.bus for r in self.rules.values()}:
            self.routers[bus] = Router([Route(r.logical_id, r.logical_id, r.pattern, bus)
                                        for r in self.rules.values() if r.bus == bus])
        self.pending: deque[tuple[str, dict[str, Any]]] = deque()
        self.deliveries: list[Delivery] = []
        self.executions: list[tuple[Delivery, str]] = []  # (delivery, execution ARN)
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ intake
    def accept(self, bus: str, event: dict[str, Any]) -> None:
        """Queue an event that was put on ``bus`` (called by the PutEvents hook, from any thread)."""
        with self._lock:
            self.pending.append((bus, event))

    def matching_rules(self, bus: str, event: dict[str, Any]) -> list[Rule]:
        router = self.routers.get(bus)
        if router is None:
            return []
        rules = [self.rules[r.rule] for r in router.match(event)]
        detail = event.get("detail") or {}
        if event.get("detail-type") == CLOUDTRAIL_API_CALL and detail.get("readOnly") is True:
            rules = [r for r in rules if r.state == READ_ONLY_OPT_IN]
        return rules

    # ------------------------------------------------------------------ delivery
    def drain(self, limit: int = 10_000) -> list[Delivery]:
        """Deliver queued events (and those their handlers put) until none is left; returns the deliveries."""
        done: list[Delivery] = []
        while limit > 0:
            with self._lock:
                if not self.pending:
                    break
                bus, event = self.pending.popleft()
            limit -= 1
            for rule in self.matching_rules(bus, event):
                for target in rule.targets:
                    d = self._deliver(bus, rule, target, event)
                    if d is not None:
                        done.append(d)
        if limit == 0:
            raise RuntimeError("event delivery did not settle after 10000 events: a loop between rules?")
        self.deliveries.extend(done)
        return done

    def _deliver(self, bus: str, rule: Rule, target: Any, event: dict[str, Any]) -> Delivery | None:
        payload = json.loads(target.input) if target.input else _input_path(event, target.input_path)
        if target.kind == "function":
            fn = self.deployment.function_by_name(target.arn.rsplit(":", 1)[-1])
            if fn is None:
                return Delivery(event, bus, rule.logical_id, target.arn, "function", error="no such function")
            d = Delivery(event, bus, rule.logical_id, fn.logical_id, "function")
            try:
                d.result = self.handlers.invoke(fn, payload)
            except Exception as e:  # Lambda's async invoke: the error is recorded and the event dead-lettered
                d.error = f"{type(e).__name__}: {e}"
                self._dead_letter(fn, payload, d.error)
            return d
        if target.kind == "state-machine":
            from aidr.aws import client

            d = Delivery(event, bus, rule.logical_id, target.logical_id or target.arn, "state-machine")
            name = f"{rule.logical_id[:40]}-{str(event.get('id', uuid.uuid4()))[:36]}"
            try:
                arn = client("stepfunctions").start_execution(
                    stateMachineArn=target.arn, name=name, input=json.dumps(payload))["executionArn"]
                d.result = {"executionArn": arn}
                self.executions.append((d, arn))
            except Exception as e:
                d.error = f"{type(e).__name__}: {e}"
            return d
        return None  # queues and log groups: moto delivers those itself

    def _dead_letter(self, fn: Function, payload: Any, error: str) -> None:
        if not fn.dlq_arn:
            return
        from aidr.aws import client

        sqs = client("sqs")
        url = sqs.get_queue_url(QueueName=fn.dlq_arn.rsplit(":", 1)[-1])["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps(payload),
                         MessageAttributes={"ErrorMessage": {"DataType": "String", "StringValue": error[:256]}})


def _input_path(event: dict[str, Any], path: str | None) -> Any:
    if not path or path == "$":
        return event
    cur: Any = event
    for part in path.removeprefix("$.").split("."):
        cur = cur.get(part) if isinstance(cur, dict) else None
    return cur


# ---------------------------------------------------------------------- the PutEvents hook on moto
def _envelope(entry: dict[str, Any], event_id: str, account: str, region: str) -> dict[str, Any]:
    t = entry.get("Time")
    when = (datetime.fromtimestamp(float(t), UTC) if isinstance(t, int | float | str) and str(t).replace(".", "", 1)
            .isdigit() else t if isinstance(t, datetime) else datetime.now(UTC))
    return {
        "version": "0",
        "id": event_id,
        "detail-type": entry["DetailType"],
        "source": entry["Source"],
        "account": account,
        "time": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": list(entry.get("Resources") or []),
        "detail": json.loads(entry["Detail"]),
    }


def bus_name(value: str | None) -> str:
    return (value or "default").rsplit("event-bus/", 1)[-1]


@contextlib.contextmanager
def routed_to(bus: Bus) -> Iterator[Bus]:
    """While active, every PutEvents in process is queued on ``bus`` (and moto skips function/state targets)."""
    from moto.events import models

    original_put = models.EventsBackend.put_events
    original_send = models.Rule.send_to_targets
    lock = threading.Lock()

    def put_events(self: Any, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        entries = original_put(self, events)
        for ev, res in zip(events, entries, strict=True):
            if "EventId" in res:
                bus.accept(bus_name(ev.get("EventBusName")), _envelope(ev, res["EventId"],
                                                                       self.account_id or ACCOUNT, self.region_name))
        return entries

    def send_to_targets(self: Any, event: Any, transform_input: bool = True) -> None:
        others = [t for t in self.targets if ":lambda:" not in t["Arn"] and ":states:" not in t["Arn"]]
        if not others:
            return
        with lock:
            saved, self.targets = self.targets, others
            try:
                original_send(self, event, transform_input)
            finally:
                self.targets = saved

    models.EventsBackend.put_events = put_events
    models.Rule.send_to_targets = send_to_targets
    try:
        yield bus
    finally:
        models.EventsBackend.put_events = original_put
        models.Rule.send_to_targets = original_send
