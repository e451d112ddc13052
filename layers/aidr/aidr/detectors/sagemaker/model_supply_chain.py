"""Models, images and artifacts from unapproved sources entering SageMaker, and unusual approvals."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...findings.model import Finding, Resource
from ...normalize.cloudtrail import ApiCall
from ...state.base import Member
from ..context import DetectContext
from ..patterns import api_calls
from ..registry import DetectorMeta, detector
from .artifacts import Artifact, Verdict, inference_component_specs, judge, sagemaker_artifacts, worst
from .common import FUNCTION, SERVICE, arn, items, scope, text, ts

CHAIN_TTL = 400 * 86400
# Inference components deploy a model (or their own container) straight onto an existing endpoint, whose
# config then names no model: they are both an artifact and a deployment call.
IC_CALLS = ("CreateInferenceComponent", "UpdateInferenceComponent")
ARTIFACT_CALLS = ("CreateModel", "CreateModelPackage", "CreateTrainingJob", "CreateAlgorithm", *IC_CALLS)
DEPLOY_CALLS = ("CreateEndpointConfig", "CreateEndpoint", "UpdateEndpoint", *IC_CALLS)
APPROVAL_CALLS = ("UpdateModelPackage", "CreateModelPackage")


@detector(
    id="sagemaker.model_supply_chain",
    title="SageMaker model or image from an unapproved source",
    category="model-supply-chain",
    severity="high",
    phase="enhanced",
    techniques=["AML.T0010", "AML.T0018", "T1525"],
    playbook="disable-endpoint",
    function=FUNCTION,
    events=[api_calls(SERVICE, sorted({*ARTIFACT_CALLS, *DEPLOY_CALLS, *APPROVAL_CALLS}))],
    description=(
        "A poisoned model or a backdoored inference image runs with the endpoint's role and answers every "
        "caller. CreateModel / CreateModelPackage / CreateTrainingJob bring images and artifacts in; an "
        "unapproved one is followed through CreateEndpointConfig and Create/UpdateEndpoint, or an inference "
        "component, to deployment. "
        "Approving a model package moves it to production pipelines: a first-time approver is reported."
    ),
    false_positives=[
        "Images from AWS-owned SageMaker registries in regions not in the built-in list (add them to "
        "approved_artifact_sources).",
        "A new team member approving model packages for the first time.",
        "AWS Marketplace model packages (reported low without an allow-list).",
    ],
    references=["https://docs.aws.amazon.com/sagemaker/latest/dg/model-registry-approve.html",
                "https://atlas.mitre.org/techniques/AML.T0010"],
)
def detect(event: dict[str, Any], ctx: DetectContext) -> Iterator[Finding]:
    """Judge every image and artifact against ``approved_artifact_sources``; follow flagged models to deployment.

    Known false positives: AWS-owned registries outside the built-in list when no allow-list is configured,
    first-time approvers, Marketplace packages.
    """
    call = ApiCall(event["detail"])
    if call.error_code:
        return
    meta: DetectorMeta = detect.meta  # type: ignore[attr-defined]
    name = call.event_name
    if name in ARTIFACT_CALLS:
        yield from _artifacts(call, ctx, meta)
    if name in APPROVAL_CALLS:
        yield from _approval(call, ctx, meta)
    if name in DEPLOY_CALLS:
        yield from _deployment(call, ctx, meta)


def _chain_key(call: ApiCall, kind: str, name: str) -> str:
    return f"sc:flagged:{scope(call)}:{kind}:{name}"


def _subject(call: ApiCall) -> tuple[str, str, str] | None:
    """(resource kind for ARNs, name, CloudFormation type) of the create call's subject."""
    p = call.request_parameters
    for field, kind, cfn in (("modelName", "model", "AWS::SageMaker::Model"),
                             ("modelPackageGroupName", "model-package-group", "AWS::SageMaker::ModelPackageGroup"),
                             ("modelPackageName", "model-package", "AWS::SageMaker::ModelPackage"),
                             ("trainingJobName", "training-job", "AWS::SageMaker::TrainingJob"),
                             ("algorithmName", "algorithm", "AWS::SageMaker::Algorithm"),
                             ("inferenceComponentName", "inference-component", "AWS::SageMaker::InferenceComponent")):
        v = text(p, field)
        if v and not v.startswith("arn:"):
            return kind, v, cfn
    return None


def _artifacts(call: ApiCall, ctx: DetectContext, meta: DetectorMeta) -> Iterator[Finding]:
    verdicts = [v for a in sagemaker_artifacts(call.event_name, call.request_parameters)
                if (v := judge(a, call.account, ctx.config))]
    subject = _subject(call)
    if not verdicts or subject is None:
        return
    kind, name, cfn = subject
    # An inference component serves on its endpoint as soon as it is created: deployed, not just brought in.
    severity = "high" if call.event_name in IC_CALLS else worst(verdicts)
    ctx.state.add(_chain_key(call, kind, name), call.event_id or name, ts(call, ctx.fallback_time.timestamp()),
                  CHAIN_TTL, {"severity": severity, "verdicts": [v.evidence() for v in verdicts]})
    yield _finding(call, ctx, meta, name, cfn, arn(call, kind, name), verdicts, severity, [call.event_id],
                   f"{call.actor_arn or call.actor_key} called {call.event_name} for {name!r} with "
                   f"{_describe(verdicts)}.")


def _describe(verdicts: list[Verdict]) -> str:
    return "; ".join(f"{v.artifact.kind} {v.artifact.location[:120]} ({v.reason.replace('-', ' ')})"
                     for v in verdicts[:3])


def _finding(call: ApiCall, ctx: DetectContext, meta: DetectorMeta, model: str, cfn: str, rid: str,
             verdicts: list[Verdict], severity: str, event_ids: list[str | None], description: str,
             extra_resources: list[Resource] | None = None) -> Finding:
    return ctx.finding(
        meta,
        key=f"artifact:{scope(call)}:{model}",  # one finding per model, from creation to deployment
        description=description,
        event_ids=event_ids,
        first_seen=call.time,
        account=call.account,
        region=call.region,
        principal=call.principal(),
        resources=[Resource(type=cfn, id=rid), *(extra_resources or [])],
        evidence={**call.summary(), "subject": model, "artifacts": [v.evidence() for v in verdicts],
                  "approved_sources_configured": bool(ctx.config.approved_artifact_sources)},
        severity=severity,
    )


def _deployment(call: ApiCall, ctx: DetectContext, meta: DetectorMeta) -> Iterator[Finding]:
    """Follow a flagged model through its endpoint config (or an inference component) to the endpoint serving it."""
    p = call.request_parameters
    if call.event_name in IC_CALLS:
        yield from _component_deployment(call, ctx, meta)
        return
    config = text(p, "endpointConfigName")
    if not config:
        return
    t = ts(call, ctx.fallback_time.timestamp())
    if call.event_name == "CreateEndpointConfig":
        variants = items(p, "productionVariants") + items(p, "shadowProductionVariants")
        for model in [m for m in dict.fromkeys(text(v, "modelName") for v in variants) if m]:
            flagged = ctx.state.members(_chain_key(call, "model", model))
            if flagged:
                ctx.state.add(_chain_key(call, "endpoint-config", config), model, t, CHAIN_TTL)
                yield _deploy_finding(call, ctx, meta, model, flagged, f"endpoint configuration {config!r}")
        return
    endpoint = text(p, "endpointName")
    for m in ctx.state.members(_chain_key(call, "endpoint-config", config)):
        flagged = ctx.state.members(_chain_key(call, "model", m.member))
        if flagged and endpoint:
            yield _deploy_finding(call, ctx, meta, m.member, flagged, f"endpoint {endpoint!r}",
                                  Resource(type="AWS::SageMaker::Endpoint", id=arn(call, "endpoint", endpoint)))


def _component_deployment(call: ApiCall, ctx: DetectContext, meta: DetectorMeta) -> Iterator[Finding]:
    """A flagged model placed on an endpoint by Create/UpdateInferenceComponent (the update names no endpoint)."""
    p = call.request_parameters
    component = text(p, "inferenceComponentName")
    endpoint = text(p, "endpointName")
    if not component:
        return
    if endpoint:
        target = f"endpoint {endpoint!r} (inference component {component!r})"
        where = Resource(type="AWS::SageMaker::Endpoint", id=arn(call, "endpoint", endpoint))
    else:
        target = f"inference component {component!r}"
        where = Resource(type="AWS::SageMaker::InferenceComponent", id=arn(call, "inference-component", component))
    for model in [m for m in dict.fromkeys(text(s, "modelName") for s in inference_component_specs(p)) if m]:
        flagged = ctx.state.members(_chain_key(call, "model", model))
        if flagged:
            yield _deploy_finding(call, ctx, meta, model, flagged, target, where)


def _deploy_finding(call: ApiCall, ctx: DetectContext, meta: DetectorMeta, model: str, flagged: list[Member],
                    target: str, extra: Resource | None = None) -> Finding:
    verdicts = [Verdict(Artifact(e["kind"], e["location"], e["field"]), e["reason"], "high")
                for m in flagged for e in m.data.get("verdicts", [])]
    return _finding(
        call, ctx, meta, model, "AWS::SageMaker::Model", arn(call, "model", model), verdicts,
        "high",  # deployed: it now serves traffic
        [*(m.member for m in flagged), call.event_id],
        f"{call.actor_arn or call.actor_key} deployed model {model!r}, built from {_describe(verdicts)}, to {target}.",
        [extra] if extra else None,
    )


def _approval(call: ApiCall, ctx: DetectContext, meta: DetectorMeta) -> Iterator[Finding]:
    """A model package approved by a principal who never approved in its group before."""
    p = call.request_parameters
    if (text(p, "modelApprovalStatus") or "").lower() != "approved":
        return
    package = text(p, "modelPackageArn") or text(p, "modelPackageGroupName") or text(p, "modelPackageName")
    if not package:
        return
    group = package.split(":model-package/", 1)[-1].split("/", 1)[0]
    actor = call.actor_key
    key = f"sc:approvers:{scope(call)}:{group}"
    t = ts(call, ctx.fallback_time.timestamp())
    known = {m.member for m in ctx.state.members(key)}
    ctx.state.add(key, actor, t, CHAIN_TTL)
    trusted = ctx.config.is_trusted(call.actor_arn) or ctx.config.is_trusted(actor)
    if trusted or actor in known or (not known and not ctx.config.trusted_principals):
        return  # the first approver is the baseline unless trusted_principals says who may approve
    yield ctx.finding(
        meta,
        key=f"approval:{call.event_id or f'{group}:{actor}'}",
        title="SageMaker model package approved by an unusual principal",
        description=(
            f"{call.actor_arn or actor} approved a model package in group {group!r}, a group it never approved in "
            f"before ({len(known)} known approver(s)); approved packages flow to production deployments."
        ),
        event_ids=[call.event_id],
        first_seen=call.time,
        account=call.account,
        region=call.region,
        principal=call.principal(),
        resources=[Resource(type="AWS::SageMaker::ModelPackage", id=package)],
        evidence={**call.summary(), "model_package": package, "group": group, "known_approvers": len(known)},
        severity="medium",
    )
