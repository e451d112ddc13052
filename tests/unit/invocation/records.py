"""Builders of invocation-log records in the shapes Bedrock logs (for the normaliser and detector tests)."""

from __future__ import annotations

import itertools
from typing import Any

ACCOUNT = "111122223333"
ROLE_SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/ChatAppRole/i-0a1b2c3d4e5f60718"
USER = f"arn:aws:iam::{ACCOUNT}:user/dev-alice"
_ids = itertools.count(1)


def record(
    body_in: Any = None,
    body_out: Any = None,
    *,
    operation: str = "InvokeModel",
    model: str = "anthropic.claude-3-haiku-20240307-v1:0",
    arn: str = ROLE_SESSION,
    ts: str | None = "2025-03-04T10:15:02Z",
    tokens: tuple[int | None, int | None] = (None, None),
    request_id: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    rec: dict[str, Any] = {
        "schemaType": "ModelInvocationLog",
        "schemaVersion": "1.0",
        "accountId": ACCOUNT,
        "identity": {"arn": arn},
        "region": "us-east-1",
        "requestId": request_id or f"00000000-0000-4000-8000-{next(_ids):012d}",
        "operation": operation,
        "modelId": model,
    }
    if ts is not None:
        rec["timestamp"] = ts
    if body_in is not None or tokens[0] is not None:
        rec["input"] = {"inputContentType": "application/json"}
        if body_in is not None:
            rec["input"]["inputBodyJson"] = body_in
        if tokens[0] is not None:
            rec["input"]["inputTokenCount"] = tokens[0]
    if body_out is not None or tokens[1] is not None:
        rec["output"] = {"outputContentType": "application/json"}
        if body_out is not None:
            rec["output"]["outputBodyJson"] = body_out
        if tokens[1] is not None:
            rec["output"]["outputTokenCount"] = tokens[1]
    rec.update(extra)
    return rec


def converse_in(text: str, system: str | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"messages": [{"role": "user", "content": [{"text": text}]}],
                            "inferenceConfig": {"maxTokens": 512}}
    if system:
        body["system"] = [{"text": system}]
    body.update(extra)
    return body


def converse_out(text: str, stop: str = "end_turn", usage: tuple[int, int] = (10, 5), **extra: Any) -> dict[str, Any]:
    body = {"output": {"message": {"role": "assistant", "content": [{"text": text}]}}, "stopReason": stop,
            "metrics": {"latencyMs": 400},
            "usage": {"inputTokens": usage[0], "outputTokens": usage[1], "totalTokens": sum(usage)}}
    body.update(extra)
    return body


def converse(text: str = "hello", answer: str = "hi", **kw: Any) -> dict[str, Any]:
    kw.setdefault("operation", "Converse")
    kw.setdefault("tokens", (10, 5))
    return record(converse_in(text), converse_out(answer), **kw)


def error(code: str, model: str = "anthropic.claude-3-haiku-20240307-v1:0", **kw: Any) -> dict[str, Any]:
    return record({"messages": [{"role": "user", "content": "hi"}]}, None, model=model, errorCode=code,
                  tokens=(0, None), **kw)


def intervened(**kw: Any) -> dict[str, Any]:
    trace = {"guardrail": {"inputAssessment": {"gr1": {"contentPolicy": {"filters": [
        {"type": "VIOLENCE", "confidence": "HIGH", "action": "BLOCKED"}]}}}}}
    kw.setdefault("operation", "Converse")
    return record(converse_in("bad request"), converse_out("Sorry.", stop="guardrail_intervened", trace=trace), **kw)
