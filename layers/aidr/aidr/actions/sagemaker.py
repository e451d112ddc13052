"""Contain SageMaker workloads: delete an endpoint (restorable), stop a notebook instance, reject a model package.

Order: these run before any action on the execution role they use (``ORDER_WORKLOAD``), and their undo after the
role's: a denied execution role breaks a running endpoint, and CreateEndpoint needs the role to pull the model.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict

from ..errors import ActionFailed
from .base import ORDER_WORKLOAD, Action, Change, Part, Snapshot, action, blocked, change
from .targets import Target

RUNNING_NOTEBOOK = ("InService", "Pending", "Updating")


def _describe(call: Any, **kwargs: Any) -> dict[str, Any] | None:
    """A SageMaker Describe*, or None when the resource does not exist (SageMaker answers ValidationException)."""
    try:
        return dict(call(**kwargs))
    except ClientError as e:
        err = e.response.get("Error", {})
        message = str(err.get("Message", ""))
        if err.get("Code") == "ValidationException" and ("Could not find" in message or "RecordNotFound" in message):
            return None
        raise


class EndpointState(BaseModel):
    model_config = ConfigDict(extra="forbid")

    exists: bool
    config_name: str | None = None
    status: str | None = None
    tags: list[dict[str, str]] = []
    """User tags (``aws:`` tags are set by AWS and cannot be passed back)."""


@action("delete-endpoint")
class DeleteEndpoint(Action):
    """Take a SageMaker endpoint offline with ``DeleteEndpoint``, which keeps its endpoint configuration and model.

    Destructive (the endpoint's instances and its URL go away until restored), so playbooks always wait for
    approval. The snapshot saves the endpoint config name and tags; undo runs ``CreateEndpoint`` with them (it fails
    loudly if the endpoint config was deleted meanwhile). An endpoint that serves inference components (variants
    without a model) is refused: deleting it deletes them, and undo could not restore them. While the endpoint is
    still ``Deleting``, undo is planned but waits (raises :class:`ActionPending`, which the playbooks retry for
    minutes). Apply before cutting the execution role.
    """

    title = "Delete the SageMaker endpoint (config and model kept)"
    target_types = ("sagemaker-endpoint",)
    destructive = True
    order = ORDER_WORKLOAD
    permissions = ("sagemaker:DescribeEndpoint", "sagemaker:DescribeEndpointConfig", "sagemaker:ListTags",
                   "sagemaker:DeleteEndpoint", "sagemaker:CreateEndpoint",
                   "sagemaker:AddTags",  # CreateEndpoint with Tags
                   # CreateEndpoint from a config encrypted with a customer key: SageMaker makes a grant on the key as
                   # the caller (template.yaml allows it only through SageMaker, for AWS resources).
                   "kms:CreateGrant", "kms:DescribeKey")

    def _endpoint(self, target: Target) -> dict[str, Any] | None:
        return _describe(self.client("sagemaker", target).describe_endpoint, EndpointName=target.name)

    def _capture(self, target: Target, options: Any) -> EndpointState:
        found = self._endpoint(target)
        if found is None:
            return EndpointState(exists=False)
        config = _describe(self.client("sagemaker", target).describe_endpoint_config,
                           EndpointConfigName=found["EndpointConfigName"]) or {}
        # A variant without a model serves inference components: DeleteEndpoint deletes them too, and CreateEndpoint
        # from the config would bring back an empty endpoint. Refuse rather than promise an undo that cannot be.
        hosted = [v.get("VariantName") for v in config.get("ProductionVariants", []) if not v.get("ModelName")]
        if hosted:
            raise ActionFailed(f"{self.id}: {target.label} serves inference components (variants "
                               f"{', '.join(map(str, hosted))}): deleting it would delete them and undo could not "
                               "bring them back; contain its execution role, or delete it by hand")
        pages = self.client("sagemaker", target).get_paginator("list_tags").paginate(ResourceArn=found["EndpointArn"])
        tags = [{"Key": t["Key"], "Value": t.get("Value", "")} for p in pages for t in p.get("Tags", [])
                if not t["Key"].startswith("aws:")]
        return EndpointState(exists=True, config_name=found["EndpointConfigName"], status=found["EndpointStatus"],
                             tags=tags)

    def _apply_parts(self, snap: Snapshot) -> Iterable[Part]:
        t = snap.target

        def delete() -> list[Change]:
            found = self._endpoint(t)
            if found is None or found["EndpointStatus"] == "Deleting":
                return []
            sm = self.client("sagemaker", t)
            return change(f"delete endpoint {t.label} (endpoint config {found['EndpointConfigName']} and its model "
                          "are kept)", lambda: sm.delete_endpoint(EndpointName=t.name))

        return [delete]

    def _undo_parts(self, snap: Snapshot) -> Iterable[Part]:
        t, prior = snap.target, EndpointState.model_validate(snap.state)

        def recreate() -> list[Change]:
            if not prior.exists:
                return []
            found = self._endpoint(t)
            what = f"recreate endpoint {t.label} from endpoint config {prior.config_name} with {len(prior.tags)} tags"
            if found is not None and found["EndpointStatus"] == "Deleting":
                return blocked(what, f"{t.label} is still being deleted; retry when it is gone")
            if found is not None:
                return []
            kwargs: dict[str, Any] = {"EndpointName": t.name, "EndpointConfigName": prior.config_name}
            if prior.tags:
                kwargs["Tags"] = prior.tags
            sm = self.client("sagemaker", t)
            return change(what, lambda: sm.create_endpoint(**kwargs))

        return [recreate]


class NotebookState(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: str


@action("stop-notebook")
class StopNotebook(Action):
    """Stop a SageMaker notebook instance (its ML storage volume is kept). Undo starts it again if it was running.

    SageMaker stops ``InService`` instances only: a ``Pending`` or ``Updating`` one is planned but waits (raises
    :class:`ActionFailed` for the playbook to retry), and so does a restart while it is ``Stopping``.
    """

    title = "Stop the SageMaker notebook instance"
    target_types = ("sagemaker-notebook-instance",)
    order = ORDER_WORKLOAD
    permissions = ("sagemaker:DescribeNotebookInstance", "sagemaker:StopNotebookInstance",
                   "sagemaker:StartNotebookInstance")

    def _status(self, target: Target) -> str:
        sm = self.client("sagemaker", target)
        return str(sm.describe_notebook_instance(NotebookInstanceName=target.name)["NotebookInstanceStatus"])

    def _capture(self, target: Target, options: Any) -> NotebookState:
        return NotebookState(status=self._status(target))

    def _apply_parts(self, snap: Snapshot) -> Iterable[Part]:
        t = snap.target

        def stop() -> list[Change]:
            status, what = self._status(t), f"stop notebook instance {t.label}"
            if status in ("Pending", "Updating"):
                return blocked(what, f"{t.label} is {status}; SageMaker stops InService instances only")
            if status != "InService":
                return []
            sm = self.client("sagemaker", t)
            return change(what, lambda: sm.stop_notebook_instance(NotebookInstanceName=t.name))

        return [stop]

    def _undo_parts(self, snap: Snapshot) -> Iterable[Part]:
        t, prior = snap.target, NotebookState.model_validate(snap.state)

        def start() -> list[Change]:
            if prior.status not in RUNNING_NOTEBOOK:
                return []
            status, what = self._status(t), f"start notebook instance {t.label} again"
            if status == "Stopping":
                return blocked(what, f"{t.label} is still stopping")
            if status != "Stopped":
                return []
            sm = self.client("sagemaker", t)
            return change(what, lambda: sm.start_notebook_instance(NotebookInstanceName=t.name))

        return [start]


class ModelPackageState(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: str
    description: str | None = None


@action("reject-model-package")
class RejectModelPackage(Action):
    """Mark a (possibly poisoned) model package version ``Rejected`` so approval-gated deployments skip it.

    Endpoints already running the model are not affected: pair with ``delete-endpoint``. The approval description
    is passed back unchanged. Undo restores the previous approval status and description; note that returning to
    ``Approved`` may trigger deployment automation that listens for approvals.
    """

    title = "Reject the SageMaker model package"
    target_types = ("sagemaker-model-package",)
    order = ORDER_WORKLOAD
    permissions = ("sagemaker:DescribeModelPackage", "sagemaker:UpdateModelPackage")

    def _describe(self, target: Target) -> dict[str, Any]:
        return dict(self.client("sagemaker", target).describe_model_package(ModelPackageName=str(target.arn)))

    def _capture(self, target: Target, options: Any) -> ModelPackageState:
        found = self._describe(target)
        if not found.get("ModelApprovalStatus"):
            raise ActionFailed(f"{self.id}: {target.label} has no approval status (an unversioned model package)")
        return ModelPackageState(status=found["ModelApprovalStatus"], description=found.get("ApprovalDescription"))

    def _set(self, snap: Snapshot, status: str, description: str | None = None) -> list[Change]:
        t = snap.target
        found = self._describe(t)
        if found.get("ModelApprovalStatus") == status:
            return []
        kwargs: dict[str, Any] = {"ModelPackageArn": str(t.arn), "ModelApprovalStatus": status}
        # Passed explicitly (the current one unless told otherwise): an update must not drop the description.
        if text := description or found.get("ApprovalDescription"):
            kwargs["ApprovalDescription"] = text
        sm = self.client("sagemaker", t)
        return change(f"set the approval status of {t.label} to {status}", lambda: sm.update_model_package(**kwargs))

    def _apply_parts(self, snap: Snapshot) -> Iterable[Part]:
        return [lambda: self._set(snap, "Rejected")]

    def _undo_parts(self, snap: Snapshot) -> Iterable[Part]:
        prior = ModelPackageState.model_validate(snap.state)
        return [lambda: self._set(snap, prior.status, prior.description)]
