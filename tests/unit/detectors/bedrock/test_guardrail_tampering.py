"""bedrock.guardrail_tampering: what each call records and how far it can be judged."""

from __future__ import annotations

from typing import Any

import pytest
from aidr.detectors.bedrock.guardrail_tampering import content_policy_weaknesses

from tests.unit.detectors.audit.tamper_records import ACCOUNT, ROOT, Live, call

DETECTOR = "bedrock.guardrail_tampering"
GID = "gr7x2k4p9q1m"


def attack(**kw: Any) -> dict[str, Any]:
    return {"type": "PROMPT_ATTACK", "inputStrength": "HIGH", "outputStrength": "NONE", **kw}


@pytest.mark.parametrize(
    ("filters", "codes"),
    [
        ([attack(), {"type": "HATE", "inputStrength": "HIGH", "outputStrength": "HIGH"}], []),
        ([{"type": "HATE", "inputStrength": "HIGH", "outputStrength": "HIGH"}], ["prompt_attack_filter_missing"]),
        ([attack(inputStrength="LOW")], ["prompt_attack_strength_lowered"]),
        ([attack(inputAction="NONE")], ["prompt_attack_not_enforced"]),
        ([attack(inputEnabled=False)], ["prompt_attack_not_enforced"]),
        ([attack(), {"type": "VIOLENCE", "inputStrength": "NONE", "outputStrength": "NONE"}], ["content_filters_off"]),
    ],
)
def test_content_policy_weaknesses(filters: list[dict[str, Any]], codes: list[str]) -> None:
    assert [w.code for w in content_policy_weaknesses({"filtersConfig": filters})] == codes


def test_hidden_or_absent_policies_cannot_be_judged() -> None:
    assert content_policy_weaknesses(None) == []
    assert content_policy_weaknesses({"tierConfig": {"tierName": "STANDARD"}}) == []


def update(rp: dict[str, Any], **kw: Any) -> dict[str, Any]:
    arn = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:guardrail/{GID}"
    return call("UpdateGuardrail", "bedrock", {"guardrailIdentifier": GID, "name": "HIDDEN_DUE_TO_SECURITY_REASONS",
                                               **rp},
                resp={"guardrailId": GID, "guardrailArn": arn, "version": "DRAFT"}, **kw)


def test_update_severity_depends_on_what_cloudtrail_recorded() -> None:
    hidden = Live(DETECTOR).one(update({}))
    assert hidden is not None and hidden.severity == "low"
    assert hidden.resources[0].id.endswith(f":guardrail/{GID}")
    visible = Live(DETECTOR).one(update({"contentPolicyConfig": {"filtersConfig": [attack(inputStrength="NONE")]}}))
    assert visible is not None and visible.severity == "high"
    assert visible.evidence["weaknesses"] == ["prompt_attack_strength_lowered"]


@pytest.mark.parametrize(
    ("event", "rp", "severity"),
    [
        ("DeleteGuardrail", {"guardrailIdentifier": GID}, "high"),
        ("DeleteGuardrail", {"guardrailIdentifier": GID, "guardrailVersion": "2"}, "medium"),
        ("DeleteEnforcedGuardrailConfiguration", {"configId": "egc-1"}, "high"),
        ("PutEnforcedGuardrailConfiguration", {"configId": "egc-1", "guardrailInferenceConfig": {
            "guardrailIdentifier": GID, "guardrailVersion": "1"}}, "medium"),
        ("PutEnforcedGuardrailConfiguration", {"guardrailInferenceConfig": {
            "guardrailIdentifier": GID, "guardrailVersion": "1"}}, "low"),
        ("DeleteAutomatedReasoningPolicy", {"policyArn": f"arn:aws:bedrock:us-east-1:{ACCOUNT}:"
                                                         "automated-reasoning-policy/p1"}, "medium"),
        ("UpdateAutomatedReasoningPolicy", {"policyArn": f"arn:aws:bedrock:us-east-1:{ACCOUNT}:"
                                                         "automated-reasoning-policy/p1"}, "low"),
    ],
)
def test_each_call(event: str, rp: dict[str, Any], severity: str) -> None:
    found = Live(DETECTOR).one(call(event, "bedrock", rp))
    assert found is not None and found.severity == severity and found.category == "guardrail-tampering"


def test_failed_and_read_calls_are_quiet_root_is_raised() -> None:
    live = Live(DETECTOR)
    assert not live.send(call("DeleteGuardrail", "bedrock", {"guardrailIdentifier": GID}, error="AccessDenied"),
                         call("ListGuardrails", "bedrock", {"maxResults": 1000}),
                         call("GetGuardrail", "bedrock", {"guardrailIdentifier": GID}))
    found = live.one(call("DeleteGuardrail", "bedrock", {"guardrailIdentifier": GID}, who=ROOT))
    assert found is not None and found.severity == "critical"
