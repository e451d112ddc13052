"""The normaliser over every logged shape: operations, providers, streams, offloads, errors and damage."""

from __future__ import annotations

import orjson
import pytest
from aidr.errors import InputError
from aidr.normalize.envelope import INVOCATION_LOG, envelope_from_record
from aidr.normalize.invocation import (
    MAX_TEXT_CHARS,
    actor_key,
    invocation_envelope,
    invocation_from_event,
    invocation_records,
    parse_invocation,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.invocation.records import ACCOUNT, converse, converse_in, converse_out, error, record


def anthropic_stream(pieces: list[str], done: bool = True) -> list[object]:
    chunks: list[object] = [
        {"type": "message_start", "message": {"role": "assistant", "usage": {"input_tokens": 21, "output_tokens": 1}}},
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        *({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": p}} for p in pieces),
        {"type": "content_block_stop", "index": 0},
        {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 9}},
        {"type": "message_stop", "amazon-bedrock-invocationMetrics": {"inputTokenCount": 21, "outputTokenCount": 9}},
    ]
    return [*chunks, "[DONE]"] if done else chunks


# (input body, output body, prompt, completion, stop reason, (in, out) tokens from the body)
PROVIDERS = {
    "converse": (converse_in("What is S3?", system="Be brief."), converse_out("Object storage.", usage=(12, 3)),
                 "What is S3?", "Object storage.", "end_turn", (12, 3)),
    "anthropic messages": (
        {"anthropic_version": "bedrock-2023-05-31", "system": "Be brief.", "max_tokens": 100,
         "messages": [{"role": "user", "content": [{"type": "text", "text": "What is S3?"}]},
                      {"role": "assistant", "content": "Earlier answer"},
                      {"role": "user", "content": "And Glacier?"}]},
        {"id": "msg_1", "type": "message", "role": "assistant", "content": [{"type": "text", "text": "Archive."}],
         "stop_reason": "end_turn", "usage": {"input_tokens": 30, "output_tokens": 2}},
        "What is S3?\nAnd Glacier?", "Archive.", "end_turn", (30, 2)),
    "anthropic legacy completion": (
        {"prompt": "\n\nHuman: Name a colour.\n\nAssistant:", "max_tokens_to_sample": 20},
        {"completion": " Blue.", "stop_reason": "stop_sequence", "stop": "\n\nHuman:"},
        "\n\nHuman: Name a colour.\n\nAssistant:", " Blue.", "stop_sequence", (None, None)),
    "amazon titan": (
        {"inputText": "Name a colour.", "textGenerationConfig": {"maxTokenCount": 20}},
        {"inputTextTokenCount": 5, "results": [{"tokenCount": 2, "outputText": "Blue.", "completionReason": "FINISH"}]},
        "Name a colour.", "Blue.", "FINISH", (5, 2)),
    "amazon nova": (
        {"schemaVersion": "messages-v1", "system": [{"text": "Be brief."}],
         "messages": [{"role": "user", "content": [{"text": "Name a colour."}]}]},
        {"output": {"message": {"role": "assistant", "content": [{"text": "Blue."}]}}, "stopReason": "end_turn",
         "usage": {"inputTokens": 8, "outputTokens": 2, "totalTokens": 10}},
        "Name a colour.", "Blue.", "end_turn", (8, 2)),
    "meta llama": (
        {"prompt": "<|begin_of_text|>Name a colour.", "max_gen_len": 20},
        {"generation": "Blue.", "prompt_token_count": 7, "generation_token_count": 2, "stop_reason": "stop"},
        "<|begin_of_text|>Name a colour.", "Blue.", "stop", (7, 2)),
    "mistral text": (
        {"prompt": "<s>[INST] Name a colour. [/INST]", "max_tokens": 20},
        {"outputs": [{"text": "Blue.", "stop_reason": "stop"}]},
        "<s>[INST] Name a colour. [/INST]", "Blue.", "stop", (None, None)),
    "mistral chat": (
        {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Name a colour."}]},
        {"choices": [{"index": 0, "message": {"role": "assistant", "content": "Blue."}, "finish_reason": "stop"}]},
        "Name a colour.", "Blue.", "stop", (None, None)),
    "cohere command": (
        {"prompt": "Name a colour.", "max_tokens": 20},
        {"generations": [{"id": "g1", "text": "Blue.", "finish_reason": "COMPLETE"}], "id": "x", "prompt": "p"},
        "Name a colour.", "Blue.", "COMPLETE", (None, None)),
    "cohere command r": (
        {"message": "Name a colour.", "preamble": "Be brief.",
         "chat_history": [{"role": "USER", "message": "Hi"}, {"role": "CHATBOT", "message": "Hello"}]},
        {"text": "Blue.", "finish_reason": "COMPLETE", "response_id": "r1"},
        "Name a colour.\nHi", "Blue.", "COMPLETE", (None, None)),
    "ai21 jamba": (
        {"messages": [{"role": "user", "content": "Name a colour."}]},
        {"choices": [{"message": {"role": "assistant", "content": "Blue."}, "finish_reason": "stop"}],
         "usage": {"prompt_tokens": 6, "completion_tokens": 2}},
        "Name a colour.", "Blue.", "stop", (6, 2)),
}


@pytest.mark.parametrize("name", sorted(PROVIDERS))
def test_provider_bodies(name: str) -> None:
    body_in, body_out, prompt, completion, stop, (tin, tout) = PROVIDERS[name]
    inv = parse_invocation(record(body_in, body_out))
    assert (inv.prompt_text, inv.completion_text, inv.stop_reason) == (prompt, completion, stop)
    assert (inv.input_tokens, inv.output_tokens) == (tin, tout)
    assert inv.problems == ()


def test_system_prompts_are_kept_apart() -> None:
    inv = parse_invocation(record(*PROVIDERS["anthropic messages"][:2]))
    assert inv.system_text == "Be brief."
    assert "Earlier answer" not in inv.prompt_text  # assistant turns are not the user's prompt


@pytest.mark.parametrize("done", [True, False])
def test_anthropic_stream_chunk_array(done: bool) -> None:
    chunks = anthropic_stream(["one, ", "two, ", "three"], done)
    rec = record({"messages": [{"role": "user", "content": "Count"}]}, chunks,
                 operation="InvokeModelWithResponseStream")
    inv = parse_invocation(rec)
    assert inv.completion_text == "one, two, three"  # deltas join without separators: tokens span chunks
    assert (inv.input_tokens, inv.output_tokens, inv.stop_reason) == (21, 9, "end_turn")
    assert inv.problems == ()


def test_other_stream_shapes() -> None:
    titan = [{"outputText": "Bl", "index": 0}, {"outputText": "ue.", "index": 0, "completionReason": "FINISH",
                                                  "totalOutputTextTokenCount": 2, "inputTextTokenCount": 5}]
    meta = [{"generation": "Bl", "prompt_token_count": 7}, {"generation": "ue.", "stop_reason": "stop",
                                                            "generation_token_count": 2}]
    nova = [{"messageStart": {"role": "assistant"}},
            {"contentBlockDelta": {"delta": {"text": "Bl"}, "contentBlockIndex": 0}},
            {"contentBlockDelta": {"delta": {"text": "ue."}}}, {"messageStop": {"stopReason": "end_turn"}},
            {"metadata": {"usage": {"inputTokens": 8, "outputTokens": 2}}}]
    for chunks, stop, tokens in ((titan, "FINISH", (5, 2)), (meta, "stop", (7, 2)), (nova, "end_turn", (8, 2))):
        inv = parse_invocation(record({"prompt": "Name a colour."}, chunks, operation="InvokeModelWithResponseStream"))
        assert (inv.completion_text, inv.stop_reason, (inv.input_tokens, inv.output_tokens)) == ("Blue.", stop, tokens)


def test_record_counts_win_over_body_usage_unless_zero() -> None:
    inv = parse_invocation(record(converse_in("x"), converse_out("y", usage=(12, 3)), tokens=(100, 50)))
    assert (inv.input_tokens, inv.output_tokens) == (100, 50)
    inv = parse_invocation(record(converse_in("x"), converse_out("y", usage=(12, 3)), tokens=(0, 0)))
    assert (inv.input_tokens, inv.output_tokens) == (12, 3)


def test_cache_token_counts() -> None:
    rec = record(converse_in("x"), converse_out("y"), tokens=(10, 5))
    rec["input"].update(cacheReadInputTokenCount=900, cacheWriteInputTokenCount=300)
    inv = parse_invocation(rec)
    assert (inv.cache_read_tokens, inv.cache_write_tokens, inv.total_tokens) == (900, 300, 1215)
    body = {"type": "message", "role": "assistant", "content": [],
            "usage": {"input_tokens": 3, "output_tokens": 1, "cache_read_input_tokens": 70,
                      "cache_creation_input_tokens": 20}}
    inv = parse_invocation(record({"messages": []}, body))
    assert (inv.cache_read_tokens, inv.cache_write_tokens) == (70, 20)


def test_inference_profile_arn_resolves_to_the_model() -> None:
    arn = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:inference-profile/us.anthropic.claude-haiku-4-5-20251001-v1:0"
    inv = parse_invocation(converse(model=arn))
    assert inv.model_id == "anthropic.claude-haiku-4-5-20251001-v1:0" and inv.raw_model_id == arn
    app = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:application-inference-profile/a1b2c3d4e5f6"
    assert parse_invocation(converse(model=app)).model_id is None


def test_cross_region_inference_keeps_where_the_model_ran() -> None:
    """``region`` is the caller's; ``inferenceRegion`` where a cross-region profile ran the model. The evidence
    names the second only when it differs."""
    from aidr.config import AidrConfig
    from aidr.detectors.context import DetectContext
    from aidr.detectors.invocation.common import summary
    from aidr.state import MemoryState

    ctx = DetectContext(config=AidrConfig(), state=MemoryState())
    moved = parse_invocation(converse(region="us-east-1", inferenceRegion="us-west-2"))
    assert (moved.region, moved.inference_region) == ("us-east-1", "us-west-2")
    assert summary(moved, ctx)["inference_region"] == "us-west-2"
    same = parse_invocation(converse(region="us-east-1", inferenceRegion="us-east-1"))
    assert "inference_region" not in summary(same, ctx)
    assert parse_invocation(converse()).inference_region is None


def test_a_body_that_is_a_bare_message_list() -> None:
    """A body file may hold the messages array alone: user turns are the prompt, assistant turns are not."""
    body = [{"role": "user", "content": [{"text": "first question"}]},
            {"role": "assistant", "content": [{"text": "an earlier answer"}]},
            {"role": "user", "content": "and a follow-up"}]
    inv = parse_invocation(record(body, converse_out("ok")))
    assert inv.prompt_text == "first question\nand a follow-up" and inv.problems == ()
    embeddings = parse_invocation(record(["one text", "two texts"], None))
    assert embeddings.prompt_text == "one text\ntwo texts"


def test_error_record_without_output() -> None:
    inv = parse_invocation(error("ValidationException"))
    assert inv.error_code == "ValidationException"
    assert inv.output_missing and inv.completion_text == "" and inv.problems == ()


def test_missing_and_offloaded_bodies() -> None:
    rec = record(None, None, tokens=(51200, 900))
    inv = parse_invocation(rec)
    assert inv.input_missing and inv.output_missing and not inv.content_known
    rec["input"]["inputBodyS3Path"] = "s3://logs/AWSLogs/111122223333/BedrockModelInvocationLogs/data/r_input.json.gz"
    rec["output"]["outputBodyS3Path"] = "s3://logs/AWSLogs/111122223333/BedrockModelInvocationLogs/data/r_output.json.gz"
    inv = parse_invocation(rec)
    assert inv.input_offloaded and inv.output_offloaded and inv.input_tokens == 51200
    pointer = record(None, None, aidrOffload={"uri": "s3://aidr-offload/r.json", "bytes": 300000})
    assert parse_invocation(pointer).input_offloaded


def test_body_logged_as_a_json_string() -> None:
    rec = record(orjson.dumps(converse_in("hello")).decode(), "plain completion text")
    inv = parse_invocation(rec)
    assert (inv.prompt_text, inv.completion_text) == ("hello", "plain completion text")
    bad = parse_invocation(record('{"messages": [', None))
    assert "input.inputBodyJson: string body is not valid JSON" in bad.problems[0]


def test_mistyped_fields_are_problems_not_crashes() -> None:
    rec = record(None, 42, identity="nobody", input="oops")
    inv = parse_invocation(rec)
    assert inv.identity_arn is None
    assert any("record.input: expected an object" in p for p in inv.problems)
    assert any("outputBodyJson: expected an object or a list, got int" in p for p in inv.problems)
    with pytest.raises(InputError, match="must be an object, got list"):
        parse_invocation([1, 2], where="line 7")  # type: ignore[arg-type]


def test_unexpected_stream_strings_are_reported() -> None:
    inv = parse_invocation(record(None, [{"completion": "a"}, "garbage", "[DONE]"]))
    assert inv.completion_text == "a"
    assert inv.problems == ("record.output.outputBodyJson[1]: unexpected string chunk",)


def test_media_and_tool_blocks() -> None:
    content = [{"document": {"format": "pdf", "name": "spec", "source": {"s3Uri": "s3://b/k.pdf"}}},
               {"image": {"format": "png", "source": {"bytes": "iVBORw0KGgo="}}},
               {"toolResult": {"toolUseId": "t1", "content": [{"text": "page says hi"}, {"json": {"k": "v"}}]}},
               {"type": "tool_result", "tool_use_id": "t2", "content": [{"type": "text", "text": "42"}]}]
    inv = parse_invocation(record({"messages": [{"role": "user", "content": content}]}, None))
    assert inv.media_blocks == 2
    assert inv.prompt_text == 'page says hi\n{"k":"v"}\n42'


def test_guardrail_assessments_in_every_logged_form() -> None:
    blocked = {"contentPolicy": {"filters": [{"type": "PROMPT_ATTACK", "confidence": "HIGH", "action": "BLOCKED"}]},
               "sensitiveInformationPolicy": {"piiEntities": [{"type": "EMAIL", "match": "a@b.example",
                                                               "action": "ANONYMIZED"}],
                                              "regexes": [{"name": "order", "match": "ORD-1", "regex": "ORD-\\d+",
                                                           "action": "NONE", "detected": True}]}}
    converse_trace = {"guardrail": {"inputAssessment": {"g1": blocked}, "outputAssessments": {"g1": [blocked]}}}
    listed = {"guardrail": {"outputAssessments": [{"g1": blocked}]}}
    invoke = {"amazon-bedrock-guardrailAction": "INTERVENED",
              "amazon-bedrock-trace": {"guardrail": {"input": {"g1": blocked}, "outputs": [{"g1": blocked}]}}}
    for out, n in ((converse_out("x", trace=converse_trace), 6), (converse_out("x", trace=listed), 3),
                   ({"content": [], "role": "assistant", **invoke}, 6)):
        inv = parse_invocation(record(converse_in("q"), out))
        assert len(inv.guardrails) == n and inv.guardrail_configured and inv.guardrail_intervened
        assert "a@b.example" not in repr(inv.guardrails) and "ORD-1" not in repr(inv.guardrails)
    inv = parse_invocation(record(None, converse_out("x", trace=converse_trace)))
    g = {(a.policy, a.type, a.action, a.source) for a in inv.guardrails}
    assert ("content", "PROMPT_ATTACK", "BLOCKED", "input") in g
    assert ("sensitive_information", "REGEX", "NONE", "output") in g


def test_detect_mode_flags_without_intervening() -> None:
    trace = {"guardrail": {"inputAssessment": {"g1": {"contentPolicy": {"filters": [
        {"type": "PROMPT_ATTACK", "confidence": "MEDIUM", "action": "NONE", "detected": True}]}}}}}
    inv = parse_invocation(record(converse_in("q"), converse_out("x", trace=trace)))
    (a,) = inv.guardrails
    assert a.flagged and not a.intervened and not inv.guardrail_intervened


def test_guardrail_configured_from_the_request() -> None:
    cfg = {"guardrailIdentifier": "gr1", "guardrailVersion": "1"}
    assert parse_invocation(record(converse_in("q", guardrailConfig=cfg), converse_out("x"))).guardrail_configured
    guarded = {"messages": [{"role": "user", "content": [{"guardContent": {"text": {"text": "q"}}}]}]}
    inv = parse_invocation(record(guarded, None))
    assert inv.guardrail_configured and inv.prompt_text == "q"
    assert not parse_invocation(converse()).guardrail_configured


def test_ten_megabyte_body_is_capped() -> None:
    big = "x" * (10 * 1024 * 1024)
    inv = parse_invocation(record(converse_in(big), converse_out("ok")))
    assert len(inv.prompt_text) == MAX_TEXT_CHARS and inv.text_truncated


def test_actor_key_groups_role_sessions() -> None:
    role = "arn:aws:sts::111122223333:assumed-role/R/"
    assert actor_key(role + "s1") == actor_key(role + "s2") == "arn:aws:iam::111122223333:role/R"
    assert actor_key(None) == "unknown" and actor_key("<redacted>") == "<redacted>"


def test_schema_type_anywhere_and_padding() -> None:
    rec = converse()
    reordered = {k: rec[k] for k in reversed(list(rec))}
    line = b"   " + orjson.dumps(reordered).replace(b",", b" ,  ") + b"   "
    env = envelope_from_record(orjson.loads(line))
    assert env is not None and env["detail-type"] == INVOCATION_LOG and env["id"] == rec["requestId"]


def test_bare_array_of_records_and_fallback_time() -> None:
    a, b = converse(ts=None), converse(ts=None)
    assert list(invocation_records([a, {"not": "a record"}, b])) == [a, b]
    assert list(invocation_records(a)) == [a]
    env = invocation_envelope(a, time="2025-03-04T10:00:00Z")
    assert env["time"] == "2025-03-04T10:00:00Z" and parse_invocation(a).timestamp is None


def test_invocation_from_event_parses_once() -> None:
    env = invocation_envelope(converse())
    assert invocation_from_event(env) is invocation_from_event(env)
    assert invocation_from_event(invocation_envelope(converse())) is not invocation_from_event(env)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["text", "content", "messages", "role", "output", "message", "usage", "trace", "guardrail",
                         "type", "delta", "choices", "results", "outputs", "generations", "inputAssessment",
                         "contentPolicy", "filters", "amazon-bedrock-trace", "stopReason", "toolResult", "json",
                         "guardContent", "system", "prompt", "completion", "metadata", "contentBlockDelta"]),
        inner, max_size=5),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(body_in=JSON, body_out=JSON, identity=JSON, input_side=JSON)
def test_never_crashes_on_arbitrary_json(body_in: object, body_out: object, identity: object, input_side: object
                                         ) -> None:
    rec = record(body_in, body_out)
    rec["identity"] = identity
    inv = parse_invocation(rec)
    assert isinstance(inv.prompt_text, str) and isinstance(inv.completion_text, str)
    rec["input"] = input_side
    parse_invocation(rec)
