"""bedrock.unapproved_model: resolution before comparison, grouping and emission throttling."""

from __future__ import annotations

from aidr.config import AidrConfig
from llmjacking_records import Delivery, record

DETECTOR = "bedrock.unapproved_model"
APPROVED = AidrConfig(approved_models=["anthropic.claude-3-haiku"])
SONNET = "anthropic.claude-3-sonnet-20240229-v1:0"


def test_invocations_emit_at_powers_of_two_and_merge_into_one_finding() -> None:
    run = Delivery(APPROVED).send(record("InvokeModel", i, model=SONNET) for i in range(9))
    assert [f.evidence["calls_today"] for f in run.emitted_by(DETECTOR)] == [1, 2, 4, 8]
    [finding] = run.of(DETECTOR)
    assert len(finding.event_ids) == 4


def test_profile_and_bare_id_of_one_model_group_together() -> None:
    calls = [
        record("Converse", 0, model=f"arn:aws:bedrock:us-east-1:111122223333:inference-profile/us.{SONNET}"),
        record("Converse", 5, model=f"us.{SONNET}"),
        record("InvokeModel", 9, model=SONNET),
    ]
    [finding] = Delivery(APPROVED).send(calls).of(DETECTOR)
    assert finding.resources[0].id == SONNET


def test_one_finding_per_identity_model_and_day() -> None:
    calls = [record("InvokeModel", 0, model=SONNET), record("InvokeModel", 86400, model=SONNET),
             record("InvokeModel", 10, model="meta.llama3-70b-instruct-v1:0")]
    assert len(Delivery(APPROVED).send(calls).of(DETECTOR)) == 3


def test_unresolvable_ids_are_counted() -> None:
    arn = "arn:aws:bedrock:us-east-1:111122223333:provisioned-model/a1b2c3d4e5f6"
    run = Delivery(APPROVED).send([record("InvokeModel", 0, model=arn)])
    assert not run.of(DETECTOR)
    assert run.counters["dropped:unresolvable model id"] == 1
