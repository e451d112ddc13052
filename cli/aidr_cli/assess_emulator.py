"""Canned answers for AWS operations moto 5.2.5 does not emulate, on top of moto, for ``aidr assess --demo`` and
the assessment tests.

Like botocore's Stubber (it validates every canned response against the operation's output shape) but per
session rather than per client, by operation rather than in call order, and leaving every other operation to
moto. It also records each call made and can deny chosen operations (AccessDenied), which is how the tests show
that a check never passes what it could not read.

Examples
--------
>>> import boto3
>>> s = boto3.session.Session(aws_access_key_id="x", aws_secret_access_key="x", region_name="us-east-1")
>>> fake = FakeApis(s)
>>> fake.answer("bedrock", "ListGuardrails", {"guardrails": []})
>>> s.client("bedrock").list_guardrails()["guardrails"]
[]
>>> fake.calls
[('bedrock', 'ListGuardrails', 'us-east-1')]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.awsrequest import AWSResponse
from botocore.exceptions import ParamValidationError
from botocore.validate import ParamValidator

Answer = dict[str, Any] | Callable[[dict[str, Any], str], dict[str, Any]]


class _Body:
    def stream(self, **_: Any) -> Any:
        return iter(())

    def read(self, *_: Any) -> bytes:
        return b""


class FakeApis:
    """Answer, deny and record operations of every client a boto3 session makes from now on."""

    def __init__(self, session: Any) -> None:
        self.answers: dict[tuple[str, str], Answer] = {}
        self.denied: set[tuple[str, str]] = set()
        self.calls: list[tuple[str, str, str]] = []
        events = session.events
        events.register("before-parameter-build", self._keep_params)
        events.register("before-call", self._before_call)

    def answer(self, service: str, operation: str, response: Answer) -> None:
        """Answer ``operation`` with ``response`` (or ``response(params, region)``), validated against the model."""
        self.answers[(service, operation)] = response

    def deny(self, service: str = "*", operation: str = "*") -> None:
        """Refuse ``service:operation`` (``*`` for any) with AccessDeniedException."""
        self.denied.add((service, operation))

    @staticmethod
    def _keep_params(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context["aidr_params"] = dict(params)

    def _before_call(self, model: Any, context: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict] | None:
        service, op = model.service_model.service_name, model.name
        region = context.get("client_region") or ""
        self.calls.append((service, op, region))
        if {(service, op), (service, "*"), ("*", "*")} & self.denied:
            return _response(403, {"Error": {"Code": "AccessDeniedException",
                                             "Message": f"not authorized to perform {service}:{op}"}})
        answer = self.answers.get((service, op))
        if answer is None:
            return None
        body = answer(context.get("aidr_params") or {}, region) if callable(answer) else answer
        if isinstance(body, dict) and "Error" in body:
            return _response(400, body)
        if model.output_shape is not None:
            report = ParamValidator().validate(body, model.output_shape)
            if report.has_errors():
                raise ParamValidationError(report=report.generate_report())
        return _response(200, body)


def _response(status: int, body: dict[str, Any]) -> tuple[AWSResponse, dict[str, Any]]:
    parsed = dict(body, ResponseMetadata={"HTTPStatusCode": status, "RequestId": "aidr-fake"})
    return AWSResponse("https://aidr.invalid", status, {}, _Body()), parsed


def error(code: str, message: str = "") -> dict[str, Any]:
    """A canned error answer (e.g. ``error("ResourceNotFoundException")``)."""
    return {"Error": {"Code": code, "Message": message or code}}
