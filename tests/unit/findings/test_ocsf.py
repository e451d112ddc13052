"""to_ocsf: the required attributes of OCSF Detection Finding (2004), its base event and the cloud profile."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aidr.findings.model import Principal
from aidr.findings.ocsf import SEVERITY_IDS, attacks, to_ocsf

from .conftest import FIRST, LAST, sample_finding

OCSF_SEVERITY_IDS = {0, 1, 2, 3, 4, 5, 6, 99}  # Unknown .. Fatal, Other


def _int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _str(v: Any) -> bool:
    return isinstance(v, str) and v != ""


# OCSF 1.3.0: base_event (activity_id, category_uid, class_uid, metadata, severity_id, time, type_uid),
# finding (finding_info), metadata (product, version), finding_info (uid; title is required up to 1.1 and
# recommended since: always set), analytic (type_id), and the cloud profile (cloud, whose provider is required).
REQUIRED: dict[str, Any] = {
    "category_uid": lambda v: v == 2,
    "class_uid": lambda v: v == 2004,
    "activity_id": lambda v: v == 1,
    "type_uid": lambda v: v == 2004 * 100 + 1,
    "severity_id": lambda v: v in OCSF_SEVERITY_IDS,
    "time": _int,
    "metadata.version": lambda v: _str(v) and v.startswith("1."),
    "metadata.product.name": _str,
    "metadata.product.vendor_name": _str,
    "finding_info.uid": _str,
    "finding_info.title": _str,
    "finding_info.analytic.type_id": _int,
    "cloud.provider": lambda v: v == "AWS",
}


def _get(doc: dict[str, Any], path: str) -> Any:
    for part in path.split("."):
        assert isinstance(doc, dict) and part in doc, f"missing required OCSF attribute {path}"
        doc = doc[part]
    return doc


def _check(doc: dict[str, Any]) -> None:
    for path, valid in REQUIRED.items():
        assert valid(_get(doc, path)), f"{path} is invalid: {_get(doc, path)!r}"
    for a in doc["finding_info"].get("attacks", []):  # attack: at least one of tactic, technique, sub_technique
        assert {"tactic", "technique", "sub_technique"} & set(a)
    user = doc.get("actor", {}).get("user")
    if user is not None:  # user: at least one of account, name, uid
        assert {"account", "name", "uid"} & set(user)
    for e in doc.get("evidences", []):
        assert e, "an evidence artifact names at least one thing"


VARIANTS = {
    "full": {},
    "no principal, resources or evidence": {"principal": None, "resources": [], "evidence": {}, "playbook": None},
    "no account or region": {"account": None, "region": None},
}


@pytest.mark.parametrize("overrides", VARIANTS.values(), ids=VARIANTS.keys())
def test_required_attributes(overrides: dict[str, Any]) -> None:
    doc = to_ocsf(sample_finding(**overrides))
    _check(doc)
    assert json.loads(json.dumps(doc)) == doc


def test_class_names_and_profiles() -> None:
    doc = to_ocsf(sample_finding())
    names = (doc["class_name"], doc["category_name"], doc["activity_name"])
    assert names == ("Detection Finding", "Findings", "Create")
    assert doc["type_name"] == "Detection Finding: Create"
    assert set(doc["metadata"]["profiles"]) >= {"cloud"}
    assert doc["metadata"]["uid"] == doc["finding_info"]["uid"] == sample_finding().id
    assert doc["status_id"] == 1 and doc["status"] == "New"


@pytest.mark.parametrize(("severity", "sid"), [("informational", 1), ("low", 2), ("medium", 3), ("high", 4),
                                                ("critical", 5)])
def test_severity_ids(severity: str, sid: int) -> None:
    doc = to_ocsf(sample_finding(severity=severity))
    assert doc["severity_id"] == sid and doc["severity"] == severity.capitalize()
    assert SEVERITY_IDS[severity] == sid


def test_times_are_epoch_milliseconds() -> None:
    doc = to_ocsf(sample_finding())
    first, last = int(FIRST.timestamp() * 1000), int(LAST.timestamp() * 1000)
    assert (doc["start_time"], doc["end_time"], doc["time"]) == (first, last, last)
    assert doc["finding_info"]["first_seen_time"] == first and doc["finding_info"]["last_seen_time"] == last
    assert first % 1000 == 120  # the milliseconds survive


def test_attacks_from_attack_ids_and_atlas_unmapped() -> None:
    assert attacks(["T1562.008", "T1078", "AML.T0051", "not-an-id"]) == [
        {"technique": {"uid": "T1562"}, "sub_technique": {"uid": "T1562.008"}},
        {"technique": {"uid": "T1078"}},
    ]
    doc = to_ocsf(sample_finding())
    assert doc["finding_info"]["attacks"] == attacks(["T1562.008"])
    assert doc["unmapped"]["aidr"]["atlas_techniques"] == ["AML.T0051"]
    assert "attacks" not in to_ocsf(sample_finding(techniques=["AML.T0051"]))["finding_info"]


def test_cloud_actor_resources_evidence() -> None:
    f = sample_finding()
    doc = to_ocsf(f)
    assert doc["cloud"] == {"provider": "AWS", "region": "us-east-1",
                            "account": {"uid": "111122223333", "type_id": 10, "type": "AWS Account"}}
    assert doc["actor"]["user"] == {"uid": f.principal.arn, "name": "build-42", "type": "AssumedRole",
                                    "credential_uid": "ASIAEXAMPLEKEY000001"}
    assert [r["uid"] for r in doc["resources"]] == ["111122223333/us-east-1", "ml-invocation-logs-111122223333"]
    assert doc["resources"][1]["name"] == "ml-invocation-logs-111122223333"
    assert doc["evidences"] == [{"data": f.evidence}]
    assert doc["finding_info"]["analytic"] == {"uid": f.detector, "name": f.detector, "type_id": 1, "type": "Rule"}
    assert doc["finding_info"]["types"] == ["logging-tampering"]
    assert "restore-logging" in doc["remediation"]["desc"]


def test_optional_parts_are_omitted_when_unknown() -> None:
    doc = to_ocsf(sample_finding(principal=None, resources=[], evidence={}, playbook=None, account=None, region=None))
    assert not {"actor", "resources", "evidences", "remediation"} & set(doc)
    assert doc["cloud"] == {"provider": "AWS"}


def test_user_name_from_iam_user_arn() -> None:
    doc = to_ocsf(sample_finding(principal=Principal(arn="arn:aws:iam::111122223333:user/ci-bot", type="IAMUser")))
    assert doc["actor"]["user"]["name"] == "ci-bot"
