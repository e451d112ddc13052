"""The LLMjacking detectors' shared vocabulary and windows (detectors/bedrock/_llmjacking.py)."""

from __future__ import annotations

import pytest
from aidr.config import AidrConfig
from aidr.detectors.bedrock._llmjacking import (
    classify_error,
    count_claim,
    credential_kind,
    densest_run,
    observe,
    stage_of,
)
from aidr.detectors.context import DetectContext
from aidr.normalize.cloudtrail import ApiCall
from aidr.state import MemoryState
from aidr.state.base import Member
from llmjacking_records import record, role_identity


def _ctx() -> DetectContext:
    return DetectContext(config=AidrConfig(), state=MemoryState())


@pytest.mark.parametrize(
    ("code", "message", "kind"),
    [
        (None, "", None),
        ("ValidationException", "max_tokens_to_sample: range: 1..1,000,000", "probe"),
        ("AccessDeniedException", "You don't have access to the model with the specified model ID.", "probe"),
        ("AccessDenied", "User is not authorized to perform: bedrock:InvokeModel", "probe"),
        ("ResourceNotFoundException", "Could not resolve the foundation model from the provided model identifier.",
         "probe"),
        ("ResourceNotFoundException", "This model version has reached the end of its life.", "benign"),
        ("AccessDeniedException", "Access denied. This Model is marked by provider as Legacy and you have not been "
         "actively using the model in the last 30 days.", "benign"),
        ("ValidationException", "Invocation of model ID anthropic.claude-3-5-sonnet-20241022-v2:0 with on-demand "
         "throughput isn\u2019t supported. Retry your request with the ID or ARN of an inference profile that "
         "contains this model.", "benign"),
        ("ThrottlingException", "Too many requests, please wait before trying again.", "benign"),
        ("ModelErrorException", "The model returned an error.", "other"),
    ],
)
def test_classify_error(code: str | None, message: str, kind: str | None) -> None:
    call = ApiCall(record("InvokeModel", 0, model="anthropic.claude-v2", error=code, message=message))
    assert classify_error(call) == kind


@pytest.mark.parametrize(
    ("name", "error", "stage"),
    [
        ("GetFoundationModelAvailability", None, "recon"),
        ("ListFoundationModelAgreementOffers", None, "recon"),
        ("GetModelInvocationLoggingConfiguration", "AccessDeniedException", "recon"),
        ("PutFoundationModelEntitlement", None, "grant"),
        ("PutFoundationModelEntitlement", "AccessDeniedException", None),
        ("Converse", None, "invoke"),
        ("InvokeModel", "ValidationException", "probe"),
        ("InvokeModel", "ThrottlingException", None),
        ("CreateGuardrail", None, None),
    ],
)
def test_stage_of(name: str, error: str | None, stage: str | None) -> None:
    assert stage_of(ApiCall(record(name, 0, model="anthropic.claude-v2", error=error))) == stage


def test_credential_kind_does_not_key_on_akia_alone() -> None:
    assert credential_kind(ApiCall(record("ListFoundationModels", 0))) == "temporary-access-key"
    user = {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/u", "accessKeyId": "AKIAEXAMPLEKEY000902"}
    assert credential_kind(ApiCall(record("ListFoundationModels", 0, identity=user))) == "long-term-access-key"
    assert credential_kind(ApiCall(record("ListFoundationModels", 0, console=True))) == "console-session"
    bearer = record("ListFoundationModels", 0, extra={"additionalEventData": {"callWithBearerToken": True}})
    assert credential_kind(ApiCall(bearer)) == "bedrock-api-key"


def _members(*times: float) -> list[Member]:
    return [Member(f"m{t}", t) for t in times]


def test_densest_run_contains_the_event_and_prefers_the_fullest_run() -> None:
    members = _members(0, 10, 20, 500, 510, 520, 530)
    assert [m.ts for m in densest_run(members, 20, 100)] == [0, 10, 20]
    assert [m.ts for m in densest_run(members, 510, 100)] == [500, 510, 520, 530]
    # An event between runs belongs to the fuller run it can reach.
    between = sorted([*members, Member("x", 450)], key=lambda m: m.ts)
    assert [m.ts for m in densest_run(between, 450, 100)] == [450, 500, 510, 520, 530]


def test_observe_counts_a_redelivered_event_once() -> None:
    ctx = _ctx()
    first = observe(ctx, "k", ApiCall(record("ListFoundationModels", 0)), 900)
    again = observe(ctx, "k", ApiCall(record("ListFoundationModels", 0)), 900)
    assert first is not None and len(first) == 1
    assert again is None


def test_observe_anchors_a_burst_on_its_first_event_whatever_the_arrival_order() -> None:
    # A burst straddling a fixed-window boundary (09:14:50 .. 09:15:30): one anchor for all of it.
    times = [890, 930, 900, 910]
    anchors = set()
    ctx = _ctx()
    for t in times:
        anchors.add(observe(ctx, "k", ApiCall(record("ListFoundationModels", t)), 900).anchor)
    assert len(anchors) == 1


def test_count_claim_counts_distinct_members() -> None:
    ctx = _ctx()
    assert [count_claim(ctx, "c", m, 0, 60) for m in ("a", "b", "a", "c")] == [1, 2, None, 3]


def test_windows_are_per_identity() -> None:
    ctx = _ctx()
    other = role_identity("other-role", "s", "ASIAEXAMPLEKEY000903")
    observe(ctx, "w:a", ApiCall(record("ListFoundationModels", 0)), 900)
    burst = observe(ctx, "w:b", ApiCall(record("ListFoundationModels", 1, identity=other)), 900)
    assert len(burst) == 1
