"""One typed, normalised view over a Bedrock model-invocation-log record, whatever its shape.

Bedrock logs every runtime call (Converse, ConverseStream, InvokeModel, InvokeModelWithResponseStream) as
one record (``schemaType: ModelInvocationLog``) in CloudWatch Logs and/or S3. Only the envelope is common:
``timestamp``, ``accountId``, ``region``, ``requestId``, ``operation``, ``modelId``, ``identity.arn``,
``errorCode`` and ``input``/``output`` with ``inputTokenCount``/``outputTokenCount`` (and the cache counts).
The bodies are the provider's own request and response: Converse messages, Anthropic messages or legacy
completions, Amazon Nova/Titan, Meta, Mistral, Cohere, AI21; streaming responses are logged as the list of
chunks (possibly ending with the string ``"[DONE]"``); bodies above 100 KB are written to S3 and only their
path is logged (``inputBodyS3Path``/``outputBodyS3Path``); error records carry no output.

The reader dispatches on the keys a body has, not on the model id (inference profiles, custom and imported
models hide the provider), and tolerates every absent or mistyped field: what it could not read is listed
in :attr:`Invocation.problems` with the field path. Text is capped per field (:data:`MAX_TEXT_CHARS`).

Examples
--------
>>> inv = parse_invocation({"schemaType": "ModelInvocationLog", "requestId": "r-1", "operation": "Converse",
...     "modelId": "us.anthropic.claude-3-haiku-20240307-v1:0", "identity": {"arn": "arn:aws:iam::111122223333:user/a"},
...     "input": {"inputBodyJson": {"messages": [{"role": "user", "content": [{"text": "hi"}]}]},
...               "inputTokenCount": 8},
...     "output": {"outputBodyJson": {"output": {"message": {"role": "assistant", "content": [{"text": "hello"}]}},
...                "stopReason": "end_turn"}, "outputTokenCount": 2}})
>>> inv.model_id, inv.prompt_text, inv.completion_text, inv.stop_reason, inv.input_tokens
('anthropic.claude-3-haiku-20240307-v1:0', 'hi', 'hello', 'end_turn', 8)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

import orjson

from ..errors import InputError
from .envelope import AIDR_SOURCE, INVOCATION_LOG, Envelope
from .model_id import resolve_model_id
from .timeutil import parse_time

# Characters kept per text field (prompt, system, completion). The detectors scan what is kept; the
# normaliser says when it cut (``text_truncated``). EventBridge events are under 256 KB anyway.
MAX_TEXT_CHARS = 2_000_000
# Stringified JSON bodies larger than this are not re-parsed.
MAX_EMBEDDED_JSON_CHARS = 4_000_000

# Where aidr's forwarder records that it moved an oversize record to S3 (see aidr.logs.forward).
AIDR_OFFLOAD_KEY = "aidrOffload"

GUARDRAIL_INTERVENED = "guardrail_intervened"
_NO_ACTION = frozenset({"NONE", ""})
# Policy blocks of a guardrail assessment and how their entries are listed.
_POLICIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "topicPolicy": ("topic", ("topics",)),
    "contentPolicy": ("content", ("filters",)),
    "wordPolicy": ("word", ("customWords", "managedWordLists")),
    "sensitiveInformationPolicy": ("sensitive_information", ("piiEntities", "regexes")),
    "contextualGroundingPolicy": ("contextual_grounding", ("filters",)),
    "automatedReasoningPolicy": ("automated_reasoning", ("findings",)),
}


@dataclass(frozen=True, slots=True)
class GuardrailAssessment:
    """One policy verdict of a guardrail. Matched text (``match``) is deliberately not kept."""

    guardrail_id: str | None
    source: str  # "input" | "output"
    policy: str  # topic | content | word | sensitive_information | contextual_grounding | automated_reasoning
    type: str | None  # PROMPT_ATTACK, VIOLENCE, EMAIL, DENY, GROUNDING, CUSTOM_WORD ...
    action: str | None  # BLOCKED, ANONYMIZED, NONE ...
    confidence: str | None = None
    name: str | None = None  # topic or regex name
    detected: bool | None = None

    @property
    def intervened(self) -> bool:
        return (self.action or "NONE").upper() not in _NO_ACTION

    @property
    def flagged(self) -> bool:
        """Detected, whether or not the guardrail acted (detect mode logs ``action: NONE, detected: true``)."""
        return self.intervened or bool(self.detected)


@dataclass(slots=True)
class Invocation:
    """A normalised invocation-log record. Absent values are None (counts) or empty (text).

    Read-only by convention, not frozen: a frozen dataclass sets each of these fields through
    ``object.__setattr__``, which costs more than reading a small record, and one is made per log record.
    """

    request_id: str | None
    operation: str | None
    model_id: str | None  # the foundation model (inference profiles resolved); None if unresolvable
    raw_model_id: str | None
    identity_arn: str | None
    account: str | None
    region: str | None
    timestamp: datetime | None
    # Where a cross-region inference profile ran the model (``inferenceRegion``); ``region`` is the caller's.
    inference_region: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cache_read_tokens: int | None = None
    cache_write_tokens: int | None = None
    stop_reason: str | None = None
    guardrail_action: str | None = None  # amazon-bedrock-guardrailAction: INTERVENED | NONE
    guardrails: tuple[GuardrailAssessment, ...] = ()
    guardrail_configured: bool = False
    error_code: str | None = None
    prompt_text: str = ""  # user turns, tool results and legacy prompts
    system_text: str = ""
    completion_text: str = ""
    input_offloaded: bool = False
    output_offloaded: bool = False
    input_missing: bool = False
    output_missing: bool = False
    text_truncated: bool = False
    media_blocks: int = 0  # images, documents, videos (logged to S3, never as text)
    problems: tuple[str, ...] = ()

    @property
    def guardrail_intervened(self) -> bool:
        return (
            self.stop_reason == GUARDRAIL_INTERVENED
            or (self.guardrail_action or "").upper() == "INTERVENED"
            or any(g.intervened for g in self.guardrails)
        )

    @property
    def total_tokens(self) -> int:
        return ((self.input_tokens or 0) + (self.output_tokens or 0) + (self.cache_read_tokens or 0)
                + (self.cache_write_tokens or 0))

    @property
    def identity_key(self) -> str:
        """Grouping key for the identity: sessions of a role are the role (as CloudTrail's session issuer)."""
        return actor_key(self.identity_arn)

    @property
    def content_known(self) -> bool:
        """True when both bodies were logged inline, so absence of something in them means something."""
        return not (self.input_offloaded or self.output_offloaded or self.input_missing or self.output_missing)


@lru_cache(maxsize=4096)  # a few identities, every record
def actor_key(arn: str | None) -> str:
    """``arn:aws:sts::1:assumed-role/R/s`` -> ``arn:aws:iam::1:role/R``; other ARNs unchanged.

    >>> actor_key("arn:aws:sts::111122223333:assumed-role/App/i-0abc")
    'arn:aws:iam::111122223333:role/App'
    """
    if not arn:
        return "unknown"
    parts = arn.split(":", 5)
    if len(parts) == 6 and parts[2] == "sts" and parts[5].startswith("assumed-role/"):
        role = parts[5].split("/")[1]
        return f"arn:{parts[1]}:iam::{parts[4]}:role/{role}"
    return arn


# --------------------------------------------------------------------------------------------- helpers
def _str(v: Any) -> str | None:
    return v if v and isinstance(v, str) else None


def _dict(v: Any) -> dict[str, Any]:
    return v if isinstance(v, dict) else {}


def _int(v: Any) -> int | None:
    if type(v) is int:  # the usual case, first (bool is a subclass of int, not int itself)
        return v
    if v is None or isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return None


class _Text:
    """Collects text fragments up to a cap (linear: fragments are joined once)."""

    __slots__ = ("cap", "parts", "sep", "size", "truncated")

    def __init__(self, cap: int = MAX_TEXT_CHARS) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.cap = cap
        self.truncated = False
        self.sep = "\n"  # between blocks; "" between the deltas of a stream (a token may span chunks)

    def add(self, s: Any) -> None:
        if not isinstance(s, str) or not s:
            return
        room = self.cap - self.size
        if room <= 0:
            self.truncated = True
            return
        if len(s) > room:
            s = s[:room]
            self.truncated = True
        self.parts.append(s)
        self.size += len(s) + len(self.sep)

    def text(self) -> str:
        return self.sep.join(self.parts)


@dataclass
class _Acc:
    """What the body readers accumulate."""

    prompt: _Text = field(default_factory=_Text)
    system: _Text = field(default_factory=_Text)
    completion: _Text = field(default_factory=_Text)
    usage: dict[str, int] = field(default_factory=dict)  # body usage: in, out, cache_read, cache_write
    stop_reason: str | None = None
    guardrail_action: str | None = None
    guardrails: list[GuardrailAssessment] = field(default_factory=list)
    guardrail_configured: bool = False
    media: int = 0
    problems: list[str] = field(default_factory=list)

    def add_usage(self, key: str, value: Any) -> None:
        n = _int(value)
        if n is not None and n >= 0:
            # Streams report counts in several chunks; the largest is the total, not their sum.
            self.usage[key] = max(self.usage.get(key, 0), n)

    def stop(self, value: Any) -> None:
        s = _str(value)
        if s:
            self.stop_reason = s


def _json_text(v: Any) -> str:
    try:
        return orjson.dumps(v).decode()
    except TypeError:
        return ""


# ------------------------------------------------------------------------------------------ input side
_MEDIA_KEYS = frozenset(("image", "document", "video", "audio"))


def _block(block: Any, sink: _Text, acc: _Acc) -> None:
    """One content block of any provider: Converse, Anthropic, Nova, OpenAI-style."""
    if isinstance(block, str):
        sink.add(block)
        return
    if not isinstance(block, dict):
        return
    text = block.get("text")
    if isinstance(text, str):
        sink.add(text)
    elif isinstance(text, dict):  # Converse guardContent: {"text": {"text": ...}}
        sink.add(text.get("text"))
    if "guardContent" in block:
        acc.guardrail_configured = True
        gc = _dict(block["guardContent"])
        sink.add(_dict(gc.get("text")).get("text"))
    if not _MEDIA_KEYS.isdisjoint(block) or block.get("type") in _MEDIA_KEYS:
        acc.media += 1
    result = block.get("toolResult")  # Converse tool result: content list of text/json blocks
    if isinstance(result, dict):
        _content(result.get("content"), sink, acc)
    if block.get("type") == "tool_result":  # Anthropic tool result
        _content(block.get("content"), sink, acc)
    if "json" in block:
        sink.add(_json_text(block["json"]))


def _content(content: Any, sink: _Text, acc: _Acc) -> None:
    if isinstance(content, str):
        sink.add(content)
    elif isinstance(content, list):
        for b in content:
            _block(b, sink, acc)
    elif isinstance(content, dict):
        _block(content, sink, acc)


def _messages(messages: Any, acc: _Acc) -> None:
    """Chat messages: user and tool turns are the prompt, system turns the system prompt.

    Assistant turns are earlier completions replayed as context; they were scanned when produced.
    """
    if not isinstance(messages, list):
        return
    for m in messages:
        if not isinstance(m, dict):
            continue
        role = str(m.get("role") or "user").lower()
        if role == "assistant" or role == "chatbot":
            continue
        sink = acc.system if role == "system" else acc.prompt
        _content(m.get("content", m.get("message")), sink, acc)


# Request keys other than messages and system that read_input_body looks at.
_LEGACY_INPUT_KEYS = frozenset(("prompt", "inputText", "message", "query", "preamble", "chat_history", "texts",
                                "guardrailConfig", "amazon-bedrock-guardrailConfig"))


def read_input_body(body: Any, acc: _Acc) -> None:
    """Every request shape: Converse/Nova/Anthropic/OpenAI messages, legacy prompts, Titan, Cohere."""
    if isinstance(body, list):  # a batch of texts (embeddings), or a bare message list (an S3 body file)
        for item in body:
            if isinstance(item, str):
                acc.prompt.add(item)
        _messages([m for m in body if isinstance(m, dict) and "role" in m], acc)
        return
    if not isinstance(body, dict):
        return
    _messages(body.get("messages"), acc)
    _content(body.get("system"), acc.system, acc)
    if _LEGACY_INPUT_KEYS.isdisjoint(body):
        return  # messages and system only: Converse, Nova, Anthropic messages (most records)
    for key in ("prompt", "inputText", "message", "query"):  # legacy/Meta/Mistral/Titan/Cohere R
        acc.prompt.add(body.get(key))
    acc.system.add(body.get("preamble"))  # Cohere R
    _messages(body.get("chat_history"), acc)  # Cohere R: {"role": "USER", "message": ...}
    texts = body.get("texts")  # Cohere embed
    if isinstance(texts, list):
        for t in texts:
            acc.prompt.add(t)
    if isinstance(body.get("guardrailConfig"), dict) or isinstance(body.get("amazon-bedrock-guardrailConfig"), dict):
        acc.guardrail_configured = True


# ----------------------------------------------------------------------------------------- output side
def _assessment(gid: str | None, source: str, a: Any, acc: _Acc) -> None:
    if not isinstance(a, dict):
        return
    for block, (policy, lists) in _POLICIES.items():
        pol = _dict(a.get(block))
        for list_key in lists:
            entries = pol.get(list_key)
            if not isinstance(entries, list):
                continue
            for e in entries:
                if not isinstance(e, dict):
                    continue
                detected = e.get("detected")
                acc.guardrails.append(GuardrailAssessment(
                    guardrail_id=gid,
                    source=source,
                    policy=policy,
                    type=_str(e.get("type")) or ("REGEX" if list_key == "regexes" else
                                                  "CUSTOM_WORD" if list_key == "customWords" else None),
                    action=_str(e.get("action")),
                    confidence=_str(e.get("confidence")),
                    name=_str(e.get("name")),
                    detected=detected if isinstance(detected, bool) else None,
                ))


def _assessments(v: Any, source: str, acc: _Acc) -> None:
    """``{gid: assessment}``, ``{gid: [assessment]}`` or ``[{gid: assessment}]`` (all three are logged)."""
    if isinstance(v, list):
        for item in v:
            _assessments(item, source, acc)
        return
    for gid, a in _dict(v).items():
        for one in a if isinstance(a, list) else [a]:
            _assessment(str(gid), source, one, acc)


def _guardrail_trace(trace: Any, acc: _Acc) -> None:
    g = _dict(_dict(trace).get("guardrail"))
    if not g:
        return
    acc.guardrail_configured = True
    _assessments(g.get("inputAssessment"), "input", acc)  # Converse
    _assessments(g.get("outputAssessments"), "output", acc)
    _assessments(g.get("input"), "input", acc)  # InvokeModel (amazon-bedrock-trace)
    _assessments(g.get("outputs"), "output", acc)


_USAGE_SLOTS = {
    **dict.fromkeys(("inputTokens", "input_tokens", "prompt_tokens", "inputTokenCount"), "in"),
    **dict.fromkeys(("outputTokens", "output_tokens", "completion_tokens", "outputTokenCount"), "out"),
    **dict.fromkeys(("cacheReadInputTokens", "cache_read_input_tokens", "cacheReadInputTokenCount"), "cache_read"),
    **dict.fromkeys(("cacheWriteInputTokens", "cache_creation_input_tokens", "cacheWriteInputTokenCount"),
                    "cache_write"),
}


def _usage(u: Any, acc: _Acc) -> None:
    if isinstance(u, dict):
        for k, v in u.items():
            slot = _USAGE_SLOTS.get(k)
            if slot:
                acc.add_usage(slot, v)


# Readers of the keys a response body or stream chunk may have, by key: a chunk is read in one pass over its
# (few) keys, which matters for streams of hundreds of chunks. Each takes (object, value, accumulator).
def _output(o: dict[str, Any], v: Any, acc: _Acc) -> None:  # Converse / Nova: {"output": {"message": ...}}
    if isinstance(v, dict):
        _content(_dict(v.get("message")).get("content"), acc.completion, acc)


def _content_key(o: dict[str, Any], v: Any, acc: _Acc) -> None:  # Anthropic message
    if o.get("type") == "message" or "role" in o:
        _content(v, acc.completion, acc)


def _delta(o: dict[str, Any], v: Any, acc: _Acc) -> None:  # Anthropic content_block_delta / message_delta
    d = _dict(v)
    acc.completion.add(d.get("text"))
    acc.stop(d.get("stop_reason"))


def _metadata(o: dict[str, Any], v: Any, acc: _Acc) -> None:  # ConverseStream / Nova stream metadata event
    m = _dict(v)
    _usage(m.get("usage"), acc)
    _guardrail_trace(m.get("trace"), acc)


def _cohere_text(o: dict[str, Any], v: Any, acc: _Acc) -> None:  # Cohere R body / Cohere stream chunk
    if "finish_reason" in o or o.get("is_finished") is not None:
        acc.completion.add(v)


def _items(o: dict[str, Any], v: Any, acc: _Acc) -> None:  # results/outputs/generations/choices/completions
    if isinstance(v, list):
        for item in v:
            _output_item(item, acc)


def _guardrail_action(o: dict[str, Any], v: Any, acc: _Acc) -> None:  # InvokeModel body and stream chunks
    action = _str(v)
    if action:
        acc.guardrail_configured = True
        if acc.guardrail_action != "INTERVENED":
            acc.guardrail_action = action


_OUTPUT_KEYS: dict[str, Any] = {
    "output": _output,
    "content": _content_key,
    "delta": _delta,
    "contentBlockDelta": lambda o, v, acc: acc.completion.add(_dict(_dict(v).get("delta")).get("text")),
    "messageStop": lambda o, v, acc: acc.stop(_dict(v).get("stopReason")),
    "metadata": _metadata,
    "message": lambda o, v, acc: _usage(_dict(v).get("usage"), acc),  # Anthropic message_start
    "usage": lambda o, v, acc: _usage(v, acc),
    "amazon-bedrock-invocationMetrics": lambda o, v, acc: _usage(v, acc),  # last chunk of a stream
    "trace": lambda o, v, acc: _guardrail_trace(v, acc),
    "amazon-bedrock-trace": lambda o, v, acc: _guardrail_trace(v, acc),
    "amazon-bedrock-guardrailAction": _guardrail_action,
    "text": _cohere_text,
    **dict.fromkeys(("completion", "generation", "outputText"),  # Anthropic text completion, Meta, Titan stream
                    lambda o, v, acc: acc.completion.add(v)),
    **dict.fromkeys(("stopReason", "stop_reason", "finish_reason", "completionReason"),
                    lambda o, v, acc: acc.stop(v)),
    **dict.fromkeys(("results", "outputs", "generations", "choices", "completions"), _items),
    **dict.fromkeys(("inputTextTokenCount", "prompt_token_count"), lambda o, v, acc: acc.add_usage("in", v)),
    **dict.fromkeys(("totalOutputTextTokenCount", "generation_token_count"),
                    lambda o, v, acc: acc.add_usage("out", v)),
}


def read_output_object(o: dict[str, Any], acc: _Acc) -> None:
    """A response body or one stream chunk; the providers' keys do not collide, so one reader serves all."""
    for k, v in o.items():
        reader = _OUTPUT_KEYS.get(k)
        if reader is not None:
            reader(o, v, acc)


def _output_item(item: Any, acc: _Acc) -> None:
    """An element of results/outputs/generations/choices/completions (Titan, Mistral, Cohere, OpenAI, AI21)."""
    if not isinstance(item, dict):
        return
    sink = acc.completion
    sink.add(item.get("outputText"))  # Titan
    sink.add(item.get("text"))  # Mistral, Cohere, DeepSeek
    _content(_dict(item.get("message")).get("content"), sink, acc)  # OpenAI-style, Mistral chat, Jamba
    sink.add(_dict(item.get("delta")).get("content"))  # OpenAI-style stream
    sink.add(_dict(item.get("data")).get("text"))  # AI21 Jurassic
    acc.add_usage("out", item.get("tokenCount"))
    for k in ("completionReason", "stop_reason", "finish_reason"):
        acc.stop(item.get(k))
    fr = item.get("finishReason")
    acc.stop(fr.get("reason") if isinstance(fr, dict) else fr)


def read_output_body(body: Any, acc: _Acc, where: str = "output.outputBodyJson") -> None:
    """A response body, or a stream's chunk list (strings such as ``"[DONE]"`` are skipped)."""
    if isinstance(body, dict):
        read_output_object(body, acc)
    elif isinstance(body, list):
        acc.completion.sep = ""
        for i, chunk in enumerate(body):
            if isinstance(chunk, dict):
                read_output_object(chunk, acc)
            elif isinstance(chunk, str) and chunk.strip() not in ("[DONE]", ""):
                acc.problems.append(f"{where}[{i}]: unexpected string chunk")
    elif body is not None:
        acc.problems.append(f"{where}: expected an object or a list, got {type(body).__name__}")


# ---------------------------------------------------------------------------------------------- record
def _body(side: dict[str, Any], key: str, where: str, acc: _Acc) -> tuple[Any, bool]:
    """The logged body and whether it is missing; re-parses bodies logged as JSON strings."""
    if key not in side or side[key] is None:
        return None, True
    body = side[key]
    if isinstance(body, str):
        s = body.strip()
        if s[:1] in ("{", "[") and len(s) <= MAX_EMBEDDED_JSON_CHARS:
            try:
                return orjson.loads(s), False
            except orjson.JSONDecodeError as e:
                acc.problems.append(f"{where}: string body is not valid JSON ({e})")
        return body, False  # plain text body: the text itself
    return body, False


def parse_invocation(record: Mapping[str, Any], where: str = "record") -> Invocation:
    """Normalise one invocation-log record.

    Raises
    ------
    InputError
        When ``record`` is not a JSON object; anything inside it that cannot be read is listed in
        ``problems`` instead, so one odd field never hides the rest of the record.
    """
    if not isinstance(record, Mapping):
        raise InputError(f"invocation-log record must be an object, got {type(record).__name__}", where)
    acc = _Acc()
    inp, out = _dict(record.get("input")), _dict(record.get("output"))
    offload = _dict(record.get(AIDR_OFFLOAD_KEY))
    if record.get("input") is not None and not isinstance(record.get("input"), dict):
        acc.problems.append(f"{where}.input: expected an object")
    if record.get("output") is not None and not isinstance(record.get("output"), dict):
        acc.problems.append(f"{where}.output: expected an object")

    in_body, in_missing = _body(inp, "inputBodyJson", f"{where}.input.inputBodyJson", acc)
    if isinstance(in_body, str):
        acc.prompt.add(in_body)
    else:
        read_input_body(in_body, acc)
    out_body, out_missing = _body(out, "outputBodyJson", f"{where}.output.outputBodyJson", acc)
    if isinstance(out_body, str):
        acc.completion.add(out_body)
    else:
        read_output_body(out_body, acc, f"{where}.output.outputBodyJson")

    raw_model = _str(record.get("modelId"))
    in_tokens = _int(inp.get("inputTokenCount"))
    out_tokens = _int(out.get("outputTokenCount"))
    return Invocation(
        request_id=_str(record.get("requestId")),
        operation=_str(record.get("operation")),
        model_id=resolve_model_id(raw_model),
        raw_model_id=raw_model,
        identity_arn=_str(_dict(record.get("identity")).get("arn")),
        account=_str(record.get("accountId")),
        region=_str(record.get("region")),
        timestamp=parse_time(record.get("timestamp")),
        inference_region=_str(record.get("inferenceRegion")),
        # The record-level counts are authoritative; some records log 0 there while the body has usage.
        input_tokens=in_tokens if in_tokens else acc.usage.get("in", in_tokens),
        output_tokens=out_tokens if out_tokens else acc.usage.get("out", out_tokens),
        cache_read_tokens=_int(inp.get("cacheReadInputTokenCount")) or acc.usage.get("cache_read"),
        cache_write_tokens=_int(inp.get("cacheWriteInputTokenCount")) or acc.usage.get("cache_write"),
        stop_reason=acc.stop_reason,
        guardrail_action=acc.guardrail_action,
        guardrails=tuple(acc.guardrails),
        guardrail_configured=acc.guardrail_configured,
        error_code=_str(record.get("errorCode")),
        prompt_text=acc.prompt.text(),
        system_text=acc.system.text(),
        completion_text=acc.completion.text(),
        input_offloaded=bool(_str(inp.get("inputBodyS3Path")) or offload),
        output_offloaded=bool(_str(out.get("outputBodyS3Path")) or offload),
        input_missing=in_missing,
        output_missing=out_missing,
        text_truncated=acc.prompt.truncated or acc.system.truncated or acc.completion.truncated,
        media_blocks=acc.media,
        problems=tuple(acc.problems),
    )


def is_invocation_record(obj: Any) -> bool:
    return isinstance(obj, dict) and obj.get("schemaType") == "ModelInvocationLog"


def invocation_records(obj: Any) -> Iterable[dict[str, Any]]:
    """The records in one parsed log message: a record, or a bare JSON array of records."""
    if is_invocation_record(obj):
        yield obj
    elif isinstance(obj, list):
        for item in obj:
            if is_invocation_record(item):
                yield item


def invocation_envelope(record: dict[str, Any], time: str | None = None) -> Envelope:
    """The event aidr's forwarder puts on the aidr bus for ``record`` (and replay builds the same way).

    ``time`` stands in when the record has no timestamp (the CloudWatch Logs event time, say).
    """
    return {
        "version": "0",
        "id": record.get("requestId") or "",
        "detail-type": INVOCATION_LOG,
        "source": AIDR_SOURCE,
        "account": record.get("accountId") or "",
        "time": record.get("timestamp") or time or "",
        "region": record.get("region") or "",
        "resources": [],
        "detail": record,
    }


_last: tuple[object, Invocation] | None = None


def invocation_from_event(event: Mapping[str, Any]) -> Invocation:
    """The normalised record of an envelope, parsed once for all the detectors that read it.

    The detectors of one function see the same envelope one after another; the one-entry cache keyed by
    the identity of ``detail`` saves re-reading large bodies for each.
    """
    global _last
    detail = event.get("detail")
    if _last is not None and _last[0] is detail:
        return _last[1]
    inv = parse_invocation(detail if isinstance(detail, Mapping) else {}, where=f"event {event.get('id') or '?'}")
    _last = (detail, inv)
    return inv
