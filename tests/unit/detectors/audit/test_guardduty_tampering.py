"""guardduty.monitoring_disabled and guardduty.findings_suppressed."""

from __future__ import annotations

import pytest
from aidr.config import AidrConfig
from aidr.detectors.audit.guardduty_disabled import detector_settings
from aidr.detectors.audit.guardduty_filters import filter_weaknesses, hidden_types
from aidr.detectors.guardduty.types import AI_FINDING_TYPES, AI_PROTECTION_TYPES, CREDENTIAL_TYPES, DEFAULT_SEVERITY

from tests.unit.detectors.audit.tamper_records import ROOT, Live, call, user

DISABLED = "guardduty.monitoring_disabled"
SUPPRESSED = "guardduty.findings_suppressed"
DETECTOR = "12abc34d567e8fa901bc2d34eexample"


def update_detector(at: float, who: dict | None = None, **rp) -> dict:
    return call("UpdateDetector", "guardduty", {"detectorId": DETECTOR, **rp}, at=at, who=who)


def feature(name: str, status: str, **extra) -> dict:
    return {"name": name, "status": status, **extra}


# --- monitoring disabled
def test_detector_settings_flatten_features_and_data_sources() -> None:
    rp = {"enable": "true",
          "features": [feature("RUNTIME_MONITORING", "ENABLED",
                               additionalConfiguration=[{"name": "EC2_AGENT_MANAGEMENT", "status": "DISABLED"}])],
          "dataSources": {"s3Logs": {"enable": False},
                          "malwareProtection": {"scanEc2InstanceWithFindings": {"ebsVolumes": {"enable": True}}}}}
    assert detector_settings(rp) == {
        "enable": True,
        "feature:RUNTIME_MONITORING": "ENABLED",
        "feature:RUNTIME_MONITORING/EC2_AGENT_MANAGEMENT": "DISABLED",
        "datasource:s3Logs": False,
        "datasource:malwareProtection:scanEc2InstanceWithFindings:ebsVolumes": True,
    }


def test_ai_protection_switched_off_is_high_against_state_medium_on_first_sight() -> None:
    blind = Live(DISABLED).one(update_detector(0, features=[feature("AI_PROTECTION", "DISABLED")]))
    assert blind is not None and blind.severity == "medium"
    live = Live(DISABLED)
    assert live.one(update_detector(0, features=[feature("AI_PROTECTION", "ENABLED")])) is None
    known = live.one(update_detector(10, features=[feature("AI_PROTECTION", "DISABLED")]))
    assert known is not None and known.severity == "high" and known.evidence["weaknesses"] == ["ai_protection_off"]


def test_a_disabled_plan_re_sent_is_not_reported_again() -> None:
    live = Live(DISABLED)
    first = live.one(update_detector(0, features=[feature("EKS_AUDIT_LOGS", "DISABLED")]))
    assert first is not None and first.severity == "low"
    assert live.one(update_detector(10, features=[feature("EKS_AUDIT_LOGS", "DISABLED"),
                                                  feature("AI_PROTECTION", "ENABLED")])) is None


def test_other_settings_survive_a_partial_update() -> None:
    live = Live(DISABLED)
    live.send(update_detector(0, enable=True, features=[feature("S3_DATA_EVENTS", "ENABLED")]))
    live.send(update_detector(10, findingPublishingFrequency="SIX_HOURS"))
    found = live.one(update_detector(20, features=[feature("S3_DATA_EVENTS", "DISABLED")]))
    assert found is not None and found.severity == "medium"  # still judged against the first update's ENABLED


def test_suspension_is_high_and_root_makes_it_critical() -> None:
    assert Live(DISABLED).one(update_detector(0, enable=False)).severity == "high"  # type: ignore[union-attr]
    assert Live(DISABLED).one(update_detector(0, enable=False, who=ROOT)).severity == "critical"  # type: ignore


@pytest.mark.parametrize(("event", "severity"), [("DeleteDetector", "high"), ("StopMonitoringMembers", "high"),
                                                 ("DisassociateFromMasterAccount", "high"),
                                                 ("DeletePublishingDestination", "medium")])
def test_one_shot_calls(event: str, severity: str) -> None:
    found = Live(DISABLED).one(call(event, "guardduty", {"detectorId": DETECTOR}))
    assert found is not None and found.severity == severity


def test_malware_exclusions_matter_more_on_ai_tags() -> None:
    rp = {"detectorId": DETECTOR, "scanResourceCriteria": {"exclude": {
        "EC2_INSTANCE_TAG": {"mapEquals": [{"key": "project", "value": "genai"}]}}}}
    tagged = AidrConfig(ai_resource_tags={"project": []})  # empty list: any value marks an AI resource
    assert Live(DISABLED, config=tagged).one(call("UpdateMalwareScanSettings", "guardduty", rp)).severity == "medium"
    assert Live(DISABLED).one(call("UpdateMalwareScanSettings", "guardduty", rp)).severity == "low"  # type: ignore
    include_only = {"detectorId": DETECTOR, "scanResourceCriteria": {"include": {
        "EC2_INSTANCE_TAG": {"mapEquals": [{"key": "scan", "value": "yes"}]}}}}
    assert Live(DISABLED).one(call("UpdateMalwareScanSettings", "guardduty", include_only)) is None


# --- findings suppressed
@pytest.mark.parametrize(
    ("criterion", "hides_ai", "hides_credentials"),
    [
        ({"type": {"eq": ["Impact:IAMUser/CostHarvesting"]}}, True, False),
        ({"type": {"neq": list(AI_FINDING_TYPES)}}, False, True),
        ({"type": {"neq": list(AI_PROTECTION_TYPES)}}, True, True),  # BedrockLoggingDisabled is not AI Protection's
        ({"type": {"notEquals": ["Recon:EC2/PortProbeUnprotectedPort"]}}, True, True),
        ({"type": {"matches": ["AttackSequence:*"]}}, False, True),
        ({"type": {"eq": ["UnauthorizedAccess:IAMUser/ResourceCredentialExfiltration.InsideAWS"]}}, False, True),
        ({"severity": {"lt": 4}}, True, True),  # AI Protection and Discovery:IAMUser/AnomalousBehavior default to Low
        ({"severity": {"gte": 7}}, False, True),
        ({"type": {"matches": ["AttackSequence:*"]}, "severity": {"lt": 9}}, False, False),  # all default Critical
        ({"type": {"eq": ["Impact:IAMUser/CostHarvesting"]}, "severity": {"gte": 7}}, False, False),
        ({"service.additionalInfo.sample": {"eq": ["true"]}}, False, False),
        ({}, True, True),
    ],
)
def test_hidden_types(criterion: dict, hides_ai: bool, hides_credentials: bool) -> None:
    hidden = set(hidden_types(criterion))
    assert bool(hidden & set(AI_FINDING_TYPES)) is hides_ai
    assert bool(hidden & set(CREDENTIAL_TYPES)) is hides_credentials


@pytest.mark.parametrize(
    ("finding_type", "severity"),
    [
        ("CredentialAccess:IAMUser/AnomalousBehavior", "Medium"),
        ("DefenseEvasion:IAMUser/AnomalousBehavior", "Medium"),
        ("DefenseEvasion:IAMUser/BedrockLoggingDisabled", "Medium"),
        ("Discovery:IAMUser/AnomalousBehavior", "Low"),
        ("Exfiltration:IAMUser/AnomalousBehavior", "High"),
        ("Impact:IAMUser/AnomalousBehavior", "High"),
        ("InitialAccess:IAMUser/AnomalousBehavior", "Medium"),
        ("Persistence:IAMUser/AnomalousBehavior", "Medium"),
        ("PrivilegeEscalation:IAMUser/AnomalousBehavior", "Medium"),
        ("UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS", "High"),
        ("UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.InsideAWS", "High"),
        ("UnauthorizedAccess:IAMUser/ResourceCredentialExfiltration.OutsideAWS", "High"),
        ("AttackSequence:IAM/CompromisedCredentials", "Critical"),
        ("Impact:IAMUser/CostHarvesting", "Low"),
    ],
)
def test_default_severities_are_guardduty_documented_ones(finding_type: str, severity: str) -> None:
    bands = {"Low": (1.0, 4.0), "Medium": (4.0, 7.0), "High": (7.0, 9.0), "Critical": (9.0, 10.1)}
    low, high = bands[severity]
    assert low <= DEFAULT_SEVERITY[finding_type] < high


def test_archiving_below_high_hides_medium_findings_only() -> None:
    hidden = set(hidden_types({"severity": {"lt": 7}}))
    assert {"DefenseEvasion:IAMUser/BedrockLoggingDisabled", "CredentialAccess:IAMUser/AnomalousBehavior",
            "Discovery:IAMUser/AnomalousBehavior"} <= hidden
    assert not hidden & {"Exfiltration:IAMUser/AnomalousBehavior", "AttackSequence:IAM/CompromisedCredentials",
                         "UnauthorizedAccess:IAMUser/ResourceCredentialExfiltration.OutsideAWS"}
    codes = {w.code: w.severity for w in filter_weaknesses({"action": "ARCHIVE", "findingCriteria": {"criterion": {
        "severity": {"lt": 7}}}})}
    assert codes == {"archives_ai_protection": "high", "archives_credential_findings": "medium"}


def test_narrowed_filters_rank_lower_and_noop_filters_hide_nothing() -> None:
    cost = {"type": {"eq": ["Impact:IAMUser/CostHarvesting"]}}
    broad = {"action": "ARCHIVE", "findingCriteria": {"criterion": cost}}
    narrow = {"action": "ARCHIVE", "findingCriteria": {"criterion": {
        **cost, "resource.accessKeyDetails.userName": {"eq": ["load-test"]}}}}
    assert [w.severity for w in filter_weaknesses(broad)] == ["high"]
    assert [w.severity for w in filter_weaknesses(narrow)] == ["medium"]
    assert filter_weaknesses({**broad, "action": "NOOP"}) == []


def filter_call(event: str, at: float, **rp) -> dict:
    return call(event, "guardduty", {"detectorId": DETECTOR, **rp}, at=at, who=user())


def test_update_filter_is_judged_on_the_filter_as_it_stands() -> None:
    live = Live(SUPPRESSED)
    crit = {"criterion": {"type": {"eq": ["DefenseEvasion:IAMUser/BedrockLoggingDisabled"]}}}
    assert live.one(filter_call("CreateFilter", 0, name="view", findingCriteria=crit)) is None  # NOOP by default
    found = live.one(filter_call("UpdateFilter", 10, filterName="view", action="ARCHIVE"))
    assert found is not None and found.severity == "high" and found.evidence["previous_configuration_known"]
    assert live.one(filter_call("UpdateFilter", 20, filterName="view", rank=2)) is None  # still archives: not new


def test_update_of_an_unknown_filter() -> None:
    found = Live(SUPPRESSED).one(filter_call("UpdateFilter", 0, filterName="legacy", action="ARCHIVE"))
    assert found is not None and found.severity == "low"  # criteria unknown
    crit = {"criterion": {"type": {"eq": ["Impact:IAMUser/PromptInjection.Direct"]}}}
    blind = Live(SUPPRESSED).one(filter_call("UpdateFilter", 0, filterName="legacy", action="ARCHIVE",
                                             findingCriteria=crit))
    assert blind is not None and blind.severity == "medium"  # one step lower: it may have archived before
