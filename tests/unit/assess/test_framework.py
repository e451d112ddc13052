"""The assessment framework: metadata, the shipped IAM policy, statuses under denial and in an empty account,
the look-back bound, merging and scoring."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aidr.assess.model import LAYERS, PHASES, CheckMeta, Result
from aidr.assess.policy import assess_policy
from aidr.assess.registry import all_checks
from aidr.assess.report import Entry, phase_reached, roadmap
from aidr.assess.runner import _merge_regional

from .conftest import run, statuses

ROOT = Path(__file__).resolve().parents[3]
CHECK_IDS = [c.meta.id for c in all_checks()]


def test_at_least_sixty_checks_cover_every_layer_and_phase() -> None:
    assert len(CHECK_IDS) >= 60
    cells = {(c.meta.layer, c.meta.phase) for c in all_checks()}
    assert cells == {(layer, phase) for layer in LAYERS for phase in PHASES}


def test_metadata_is_validated() -> None:
    with pytest.raises(ValueError, match="api_calls"):
        CheckMeta(id="x.y", title="t", layer="application", phase="advanced", severity="low",
                  api_calls=("ListThings",), remediation="r")
    with pytest.raises(ValueError, match="securityhub"):
        CheckMeta(id="x.y", title="t", layer="application", phase="advanced", severity="low",
                  api_calls=("s3:ListBuckets",), remediation="r", references={"securityhub": ("made up",)})


def test_shipped_policy_is_generated_from_the_checks() -> None:
    shipped = json.loads((ROOT / "docs" / "assess-policy.json").read_text())
    assert shipped == assess_policy()
    actions = shipped["Statement"][0]["Action"]
    assert all(a.split(":")[1].startswith(("Get", "List", "Describe", "View")) for a in actions)


def test_scheduled_assessment_is_granted_the_generated_policy() -> None:
    """template.yaml's AssessFunction grants exactly the actions of docs/assess-policy.json."""
    from aidr_cli.template import load_template

    policies = load_template()["Resources"]["AssessFunction"]["Properties"]["Policies"]
    statements = [s for p in policies if isinstance(p, dict) for s in p.get("Statement") or []]
    granted = next(s for s in statements if s.get("Sid") == "AssessReadOnly")
    assert granted["Action"] == assess_policy()["Statement"][0]["Action"]


@pytest.mark.parametrize("check_id", CHECK_IDS)
def test_denied_everything_is_could_not_assess(check_id: str, account) -> None:  # type: ignore[no-untyped-def]
    session, fake = account
    fake.deny()
    results = run(check_id, session)
    assert statuses(results) == {"COULD_NOT_ASSESS"}
    assert all("access denied" in r.reason for r in results)


@pytest.mark.parametrize("check_id", CHECK_IDS)
def test_empty_account_is_not_applicable(check_id: str, account) -> None:  # type: ignore[no-untyped-def]
    session, fake = account
    fake.answer("bedrock", "ListGuardrails", {"guardrails": []})
    fake.answer("bedrock-agent", "ListPrompts", {"promptSummaries": []})
    fake.answer("iam", "ListServiceSpecificCredentials", {"ServiceSpecificCredentials": []})
    assert statuses(run(check_id, session)) == {"NOT_APPLICABLE"}


def test_training_job_history_is_read_up_to_the_lookback(account) -> None:  # type: ignore[no-untyped-def]
    """An endless history of training jobs: the check reads `lookback` of them and stops paginating."""
    from datetime import UTC, datetime

    session, fake = account
    t = datetime(2026, 1, 1, tzinfo=UTC)
    pages = []

    def listing(params, region):  # type: ignore[no-untyped-def]
        pages.append(params.get("NextToken"))
        n = len(pages)
        return {"NextToken": f"page-{n + 1}", "TrainingJobSummaries": [
            {"TrainingJobName": f"job-{n}-{i}", "TrainingJobArn": f"arn:aws:sagemaker:us-east-1:123456789012:"
             f"training-job/job-{n}-{i}", "CreationTime": t, "TrainingJobStatus": "Completed"} for i in range(100)]}

    described = []

    def describe(params, region):  # type: ignore[no-untyped-def]
        described.append(params["TrainingJobName"])
        return {"TrainingJobName": params["TrainingJobName"], "TrainingJobArn": "arn:aws:sagemaker:us-east-1:"
                f"123456789012:training-job/{params['TrainingJobName']}", "TrainingJobStatus": "Completed",
                "SecondaryStatus": "Completed", "AlgorithmSpecification": {"TrainingInputMode": "File"},
                "ResourceConfig": {"VolumeSizeInGB": 1}, "StoppingCondition": {}, "CreationTime": t,
                "ModelArtifacts": {"S3ModelArtifacts": "s3://b/m"}, "EnableNetworkIsolation": True}
    fake.answer("sagemaker", "ListTrainingJobs", listing)
    fake.answer("sagemaker", "DescribeTrainingJob", describe)
    results = run("sagemaker.training_job_network_isolation", session, lookback=150)
    assert len(pages) == 2 and len(described) == 150
    assert len(results) == 150 and statuses(results) == {"PASS"}


def _e(check_id: str, status: str, phase: str = "foundational", layer: str = "application",
       severity: str = "high", exposure: int = 1) -> Entry:
    meta = CheckMeta(id=check_id, title=check_id, layer=layer, phase=phase, severity=severity,  # type: ignore[arg-type]
                     api_calls=("s3:ListBuckets",), remediation="fix it")
    return Entry(meta, Result(status, "why", exposure=exposure))  # type: ignore[arg-type]


def test_phase_reached_needs_every_applicable_check_and_the_previous_phase() -> None:
    entries = [_e("a.one", "PASS"), _e("a.two", "NOT_APPLICABLE"), _e("a.three", "PASS", "enhanced"),
               _e("a.four", "FAIL", "advanced"), _e("b.one", "COULD_NOT_ASSESS", layer="infrastructure"),
               _e("b.two", "PASS", "enhanced", layer="infrastructure")]
    assert phase_reached(entries) == {"infrastructure": "none", "identity-data": "advanced", "application": "enhanced"}


def test_roadmap_puts_the_next_phase_first_then_risk() -> None:
    entries = [_e("a.found", "PASS"), _e("a.adv", "FAIL", "advanced", severity="critical", exposure=3),
               _e("a.enh_low", "FAIL", "enhanced", severity="low"),
               _e("a.enh_high", "FAIL", "enhanced", severity="high", exposure=2)]
    items = roadmap(entries, phase_reached(entries))
    assert [i.entry.meta.id for i in items] == ["a.enh_high", "a.enh_low", "a.adv"]
    assert [i.priority for i in items] == [1, 2, 3] and "next phase" in items[0].why


def test_region_level_verdicts_merge_across_regions() -> None:
    rs = [Result("NOT_APPLICABLE", "Bedrock is not used", region=r, check_id="x.y") for r in ("eu-west-1", "us-east-1")]
    rs.append(Result("FAIL", "bad", "arn:aws:s3:::b", region="us-east-1", check_id="x.y"))
    merged = _merge_regional(rs, regional=True)
    assert [m.reason for m in merged] == ["eu-west-1, us-east-1: Bedrock is not used", "bad"]


def test_default_regions_are_the_enabled_ones(account) -> None:  # type: ignore[no-untyped-def]
    from aidr.assess.runner import enabled_regions

    session, fake = account
    regions = enabled_regions(session, "us-east-1")
    assert "us-east-1" in regions and regions == sorted(regions)
    assert ("ec2", "DescribeRegions", "us-east-1") in fake.calls
