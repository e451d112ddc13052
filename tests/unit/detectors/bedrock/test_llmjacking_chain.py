"""bedrock.llmjacking_chain: one critical alert for the whole intrusion, evidence per stage."""

from __future__ import annotations

from aidr.config import AidrConfig
from aidr_cli.pipeline import run_records
from llmjacking_records import Delivery, record

from tests.conftest import FIXTURES, load_json

DETECTOR = "bedrock.llmjacking_chain"
MODEL = "anthropic.claude-3-sonnet-20240229-v1:0"


def _chain(invocations: int = 1) -> list[dict]:
    return [
        record("GetFoundationModelAvailability", 0, model=MODEL),
        record("GetFoundationModelAvailability", 10, model=MODEL),
        record("CreateFoundationModelAgreement", 20, model=MODEL),
        record("PutFoundationModelEntitlement", 21, model=MODEL),
        record("InvokeModel", 60, model=MODEL, error="ValidationException", message="Malformed input request"),
        *(record("InvokeModel", 120 + i, model=MODEL) for i in range(invocations)),
    ]


def test_the_chain_is_the_only_critical_finding() -> None:
    records = load_json(FIXTURES / DETECTOR / "positive" / "recon_grant_invoke.json")["records"]
    findings, _ = run_records(records, AidrConfig(approved_models=["anthropic.claude-3-haiku"]))
    critical = [f for f in findings if f.severity == "critical"]
    assert [f.detector for f in critical] == [DETECTOR]
    assert len({f.detector for f in findings}) > 1  # the stage detectors reported too, below critical


def test_evidence_gives_each_stage_its_first_time_ids_and_count() -> None:
    records = _chain()
    [finding] = Delivery().send(records).of(DETECTOR)
    chain = finding.evidence["chain"]
    assert finding.evidence["stage_order"] == ["recon", "grant", "probe", "invoke"]
    assert chain["recon"]["count"] == 2 and chain["grant"]["count"] == 2
    assert chain["recon"]["first_seen"] == "2026-03-02T09:00:00Z"
    assert chain["invoke"]["event_ids"] == [records[-1]["eventID"]]
    assert set(finding.event_ids) == {r["eventID"] for r in records}


def test_busy_invocations_mark_the_stage_once_an_hour() -> None:
    run = Delivery().send(_chain(invocations=300))
    [finding] = run.of(DETECTOR)
    assert finding.evidence["chain"]["invoke"]["count"] == 1
    # Marks that already exist re-evaluate nothing: the chain emitted once per new stage mark.
    assert len(run.emitted_by(DETECTOR)) <= 3


def test_redelivery_emits_nothing_new() -> None:
    run = Delivery().send(_chain())
    before = len(run.emitted_by(DETECTOR))
    run.send(_chain())
    assert len(run.emitted_by(DETECTOR)) == before


def test_trusted_principals_make_no_chain() -> None:
    trusted = AidrConfig(trusted_principals=["arn:aws:iam::111122223333:role/llm-app-role"])
    assert not Delivery(trusted).send(_chain()).of(DETECTOR)
