"""SageMaker states moto does not pass through (Deleting, Pending, Stopping): the action waits, loudly."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from aidr.actions import Target, get_action
from aidr.errors import ActionFailed, ActionPending

from tests.unit.actions.support import stubbed

A, R = "111122223333", "us-east-1"
EP = Target.from_arn(f"arn:aws:sagemaker:{R}:{A}:endpoint/fraud-scoring")
NB = Target.from_arn(f"arn:aws:sagemaker:{R}:{A}:notebook-instance/research-nb")
WHEN = datetime(2025, 3, 4, tzinfo=UTC)


def endpoint(status: str) -> dict[str, Any]:
    return {"EndpointName": EP.name, "EndpointArn": EP.arn, "EndpointConfigName": "fraud-scoring-config",
            "EndpointStatus": status, "CreationTime": WHEN, "LastModifiedTime": WHEN}


def endpoint_config(model: str | None) -> dict[str, Any]:
    variant: dict[str, Any] = {"VariantName": "AllTraffic"}
    if model:
        variant.update(ModelName=model, InitialInstanceCount=1, InstanceType="ml.m5.large")
    return {"EndpointConfigName": "fraud-scoring-config", "EndpointConfigArn": EP.arn.replace(":endpoint/",
            ":endpoint-config/") + "-config", "ProductionVariants": [variant], "CreationTime": WHEN}


def test_an_endpoint_serving_inference_components_is_refused_before_anything_changes(sm: tuple[Any, Any]) -> None:
    """Its variants have no model: DeleteEndpoint would delete the components and undo could not bring them back."""
    client, stub = sm
    action = get_action("delete-endpoint")(client_factory=lambda s, r: client)
    stub.add_response("describe_endpoint", endpoint("InService"), {"EndpointName": EP.name})
    stub.add_response("describe_endpoint_config", endpoint_config(model=None),
                      {"EndpointConfigName": "fraud-scoring-config"})
    with pytest.raises(ActionFailed, match=r"serves inference components .*AllTraffic.*contain its execution role"):
        action.snapshot(EP)


def notebook(status: str) -> dict[str, Any]:
    return {"NotebookInstanceName": NB.name, "NotebookInstanceStatus": status}


@pytest.fixture
def sm() -> Iterator[tuple[Any, Any]]:
    client, stub, _ = stubbed("sagemaker")
    with stub:
        yield client, stub
        stub.assert_no_pending_responses()


def test_undo_waits_while_the_endpoint_is_still_deleting(sm: tuple[Any, Any]) -> None:
    client, stub = sm
    action = get_action("delete-endpoint")(client_factory=lambda s, r: client)
    stub.add_response("describe_endpoint", endpoint("InService"), {"EndpointName": EP.name})
    stub.add_response("describe_endpoint_config", endpoint_config(model="fraud-model"),
                      {"EndpointConfigName": "fraud-scoring-config"})
    stub.add_response("list_tags", {"Tags": []}, {"ResourceArn": EP.arn})
    snap = action.snapshot(EP)
    stub.add_response("describe_endpoint", endpoint("Deleting"), {"EndpointName": EP.name})
    assert action.plan(snap) == []  # deleting already: apply is done
    stub.add_response("describe_endpoint", endpoint("Deleting"), {"EndpointName": EP.name})
    assert not action.verify_undo(snap)
    stub.add_response("describe_endpoint", endpoint("Deleting"), {"EndpointName": EP.name})
    with pytest.raises(ActionPending, match="still being deleted; retry"):
        action.undo(snap)


@pytest.mark.parametrize("status", ["Pending", "Updating"])
def test_stopping_waits_for_an_instance_that_is_not_in_service(sm: tuple[Any, Any], status: str) -> None:
    client, stub = sm
    action = get_action("stop-notebook")(client_factory=lambda s, r: client)
    stub.add_response("describe_notebook_instance", notebook(status), {"NotebookInstanceName": NB.name})
    snap = action.snapshot(NB)
    stub.add_response("describe_notebook_instance", notebook(status), {"NotebookInstanceName": NB.name})
    with pytest.raises(ActionFailed, match=f"is {status}; SageMaker stops InService instances only"):
        action.apply(snap)


def test_restarting_waits_while_the_instance_is_stopping(sm: tuple[Any, Any]) -> None:
    client, stub = sm
    action = get_action("stop-notebook")(client_factory=lambda s, r: client)
    stub.add_response("describe_notebook_instance", notebook("InService"), {"NotebookInstanceName": NB.name})
    snap = action.snapshot(NB)
    stub.add_response("describe_notebook_instance", notebook("Stopping"), {"NotebookInstanceName": NB.name})
    assert action.plan(snap) == []  # stopping already
    stub.add_response("describe_notebook_instance", notebook("Stopping"), {"NotebookInstanceName": NB.name})
    with pytest.raises(ActionPending, match="still stopping"):
        action.undo(snap)
