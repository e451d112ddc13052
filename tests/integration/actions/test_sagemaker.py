"""SageMaker actions on the emulated account: what delete keeps, absent resources, prior states kept by undo."""

from __future__ import annotations

import pytest
from aidr.actions import Target, get_action
from aidr.errors import ActionFailed

from tests.integration.actions.scenarios import (
    client,
    endpoint_state,
    make_endpoint,
    make_model_package,
    make_notebook,
    model_package_state,
    notebook_status,
)
from tests.unit.actions.support import ACCOUNT, REGION, Recorder


def test_delete_endpoint_keeps_its_config_and_model_and_undo_recreates_it_with_tags(rec: Recorder) -> None:
    ep = make_endpoint(tags=[{"Key": "team", "Value": "ml"}])
    action = get_action("delete-endpoint")(client_factory=rec)
    snap = action.snapshot(ep)
    assert snap.state == {"exists": True, "config_name": "fraud-scoring-config", "status": "InService",
                          "tags": [{"Key": "team", "Value": "ml"}]}
    action.apply(snap)
    assert endpoint_state(ep.name) == (None, ["fraud-scoring-config"], ["fraud-scoring-model"])
    assert action.plan_undo(snap) == [f"recreate endpoint {ep.label} from endpoint config fraud-scoring-config "
                                      "with 1 tags"]
    action.undo(snap)
    assert endpoint_state(ep.name)[0] == ("fraud-scoring-config", [("team", "ml")])


def test_an_endpoint_that_is_gone_has_nothing_to_delete_or_restore(rec: Recorder) -> None:
    ep = Target.from_arn(f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:endpoint/never-existed")
    action = get_action("delete-endpoint")(client_factory=rec)
    snap = action.snapshot(ep)
    assert snap.state["exists"] is False
    assert action.plan(snap) == [] and action.plan_undo(snap) == []
    action.undo(snap)
    assert rec.mutations() == []


def test_undo_fails_loudly_when_the_endpoint_config_was_deleted_meanwhile(rec: Recorder) -> None:
    ep = make_endpoint()
    action = get_action("delete-endpoint")(client_factory=rec)
    snap = action.snapshot(ep)
    action.apply(snap)
    client("sagemaker").delete_endpoint_config(EndpointConfigName="fraud-scoring-config")
    with pytest.raises(ActionFailed, match=r"delete-endpoint undo: recreate endpoint .*Could not find endpoint"):
        action.undo(snap)


def test_a_notebook_that_was_stopped_is_not_started_by_undo(rec: Recorder) -> None:
    nb = make_notebook()
    client("sagemaker").stop_notebook_instance(NotebookInstanceName=nb.name)
    action = get_action("stop-notebook")(client_factory=rec)
    snap = action.snapshot(nb)
    assert action.plan(snap) == []
    action.apply(snap)
    action.undo(snap)
    assert notebook_status(nb.name) == "Stopped"
    assert rec.mutations() == []


def test_reject_then_undo_restores_a_pending_status_and_its_description(rec: Recorder) -> None:
    pkg = make_model_package(status="PendingManualApproval", description="waiting for ml-platform review")
    action = get_action("reject-model-package")(client_factory=rec)
    snap = action.snapshot(pkg)
    action.apply(snap)
    assert model_package_state(pkg) == ("Rejected", "waiting for ml-platform review")
    action.undo(snap)
    assert model_package_state(pkg) == ("PendingManualApproval", "waiting for ml-platform review")


def test_a_model_package_without_approval_status_is_refused(rec: Recorder) -> None:
    arn = client("sagemaker").create_model_package(ModelPackageName="standalone-model")["ModelPackageArn"]
    with pytest.raises(ActionFailed, match="no approval status"):
        get_action("reject-model-package")(client_factory=rec).snapshot(Target.from_arn(arn))
