"""bedrock.guardrail_tampering: what each call records and how far it can be judged."""

from __future__ import annotations

from typing import Any

import pytest
from aidr.config import AidrConfig
from aidr.detectors.bedrock.guardrail_tampering import DRAFT_WINDOW_SECONDS, content_policy_weaknesses

from tests.unit.detectors.audit.tamper_records import ACCOUNT, ROOT, Live, call, user

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


# --- versions: CreateGuardrailVersion publishes the draft that UpdateGuardrail changed
ARN = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:guardrail/{GID}"
PIPELINE = f"arn:aws:iam::{ACCOUNT}:role/ml-platform-deployer"


def publish(at: float, version: str = "5", **kw: Any) -> dict[str, Any]:
    return call("CreateGuardrailVersion", "bedrock", {"guardrailIdentifier": kw.pop("ident", GID)}, at=at,
                resp={"guardrailId": GID, "version": version}, **kw)


def create(at: float) -> dict[str, Any]:
    return call("CreateGuardrail", "bedrock", {"name": "HIDDEN_DUE_TO_SECURITY_REASONS"}, at=at,
                resp={"guardrailId": GID, "guardrailArn": ARN, "version": "DRAFT"})


def weak_update(at: float, **kw: Any) -> dict[str, Any]:
    return update({"contentPolicyConfig": {"filtersConfig": [attack(inputStrength="LOW")]}}, at=at, **kw)


def test_version_without_a_seen_update_is_low_and_names_the_guardrail() -> None:
    found = Live(DETECTOR).one(publish(0))
    assert found is not None and found.severity == "low"
    assert found.resources[0].id == GID and found.evidence["guardrail_version"] == "5"


def test_version_after_an_update_by_the_same_principal_is_medium() -> None:
    live = Live(DETECTOR)
    live.send(update({}, at=0))
    found = live.one(publish(600))
    assert found is not None and found.severity == "medium"
    assert found.evidence["draft_update_event_ids"] == [update({}, at=0)["eventID"]]


def test_version_of_a_weakened_draft_is_high_with_the_weaknesses() -> None:
    live = Live(DETECTOR)
    live.send(weak_update(0, who=user("someone-else")))
    found = live.one(publish(600, ident=ARN))  # the identifier may be the ARN
    assert found is not None and found.severity == "high"
    assert found.evidence["weaknesses"] == ["prompt_attack_strength_lowered"]


def test_updates_outside_the_window_or_after_the_version_do_not_count() -> None:
    live = Live(DETECTOR)
    live.send(update({}, at=0))
    found = live.one(publish(DRAFT_WINDOW_SECONDS + 60))
    assert found is not None and found.severity == "low"


def test_an_update_arriving_after_its_version_raises_the_version_finding() -> None:
    live = Live(DETECTOR)
    early = live.one(publish(600))
    assert early is not None and early.severity == "low"
    late = live.send(weak_update(0))
    again = [f for f in late if f.id == early.id]
    assert [f.severity for f in again] == ["high"]
    assert early.merge(again[0]).severity == "high"
    assert not [f for f in live.send(weak_update(0)) if f.id == early.id]  # re-delivered update: judged once


def test_trusted_principals_lower_versions_unless_the_draft_was_changed_by_someone_untrusted() -> None:
    config = AidrConfig(trusted_principals=[PIPELINE])
    own = Live(DETECTOR, config=config)
    own.send(update({}, at=0))
    assert own.one(publish(600)).severity == "low"  # type: ignore[union-attr]  # medium, one step down
    foreign = Live(DETECTOR, config=config)
    foreign.send(update({}, at=0, who=user("intruder")))
    assert foreign.one(publish(600)).severity == "medium"  # type: ignore[union-attr]
    other_trusted = Live(DETECTOR, config=AidrConfig(trusted_principals=[PIPELINE, f"arn:aws:iam::{ACCOUNT}:user/*"]))
    other_trusted.send(update({}, at=0, who=user("release-bot")))
    assert other_trusted.one(publish(600)).severity == "informational"  # low, one step down


def test_first_release_of_a_new_guardrail_is_quiet_but_not_after_an_update() -> None:
    live = Live(DETECTOR)
    assert live.send(create(0)) == []
    assert live.one(publish(60, version="1")) is None
    live.send(update({}, at=120))
    found = live.one(publish(180, version="2"))
    assert found is not None and found.severity == "medium"


def test_refused_versions_and_annotations_are_quiet_and_annotations_are_low() -> None:
    live = Live(DETECTOR)
    policy = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:automated-reasoning-policy/p1"
    rp = {"policyArn": policy, "buildWorkflowId": "wf-1", "annotations": "HIDDEN_DUE_TO_SECURITY_REASONS"}
    assert not live.send(publish(0, error="AccessDeniedException"),
                         call("UpdateAutomatedReasoningPolicyAnnotations", "bedrock", rp, error="AccessDenied"))
    found = live.one(call("UpdateAutomatedReasoningPolicyAnnotations", "bedrock", rp, at=5))
    assert found is not None and found.severity == "low"
    assert found.resources[0].type == "AWS::Bedrock::AutomatedReasoningPolicy" and found.resources[0].id == policy
