"""SageMaker endpoints, models and jobs weakened: encryption, data capture, network isolation or VPC removed.

Endpoint configs and models are immutable, so a weakening shows up as an endpoint moved to a weaker config
(UpdateEndpoint) or a resource re-created under the same name with less protection. The detector keeps each
config's and model's protections in state and compares.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...findings.model import Finding, Resource
from ...inventory import is_protected_bucket, s3_bucket
from ...normalize.cloudtrail import ApiCall
from ..context import DetectContext
from ..patterns import api_calls
from ..registry import DetectorMeta, detector
from .common import FUNCTION, SERVICE, arn, flag, items, param, scope, text

PROPS_TTL = 400 * 86400
CALLS = ("CreateModel", "CreateEndpointConfig", "CreateEndpoint", "UpdateEndpoint", "CreateTrainingJob")


@detector(
    id="sagemaker.endpoint_exposure",
    title="SageMaker endpoint or model protections weakened",
    category="endpoint-exposure",
    severity="medium",
    phase="enhanced",
    techniques=["T1562", "AML.T0024"],
    playbook="disable-endpoint",
    function=FUNCTION,
    events=[api_calls(SERVICE, list(CALLS))],
    description=(
        "An endpoint switched to a config without its KMS key or data capture, or to models that lost network "
        "isolation or their VPC, leaks model inputs and outputs and lets the container reach the internet. "
        "Training on protected data in a container with open network access is reported too."
    ),
    false_positives=[
        "A planned migration to a new endpoint config that moves encryption elsewhere (e.g. to the volume).",
        "Data capture switched off after a model-monitoring campaign ends.",
        "Training jobs whose algorithms need internet access by design.",
    ],
    references=["https://docs.aws.amazon.com/sagemaker/latest/dg/mkt-algo-model-internet-free.html",
                "https://docs.aws.amazon.com/sagemaker/latest/dg/host-vpc.html"],
)
def detect(event: dict[str, Any], ctx: DetectContext) -> Iterator[Finding]:
    """Compare protections before and after; report posture of training jobs on protected data.

    Known false positives: planned config migrations, data capture intentionally ended, training algorithms
    that need the internet.
    """
    call = ApiCall(event["detail"])
    if call.error_code:
        return
    meta: DetectorMeta = detect.meta  # type: ignore[attr-defined]
    p = call.request_parameters
    name = call.event_name
    if name == "CreateModel" and (model := text(p, "modelName")):
        props = {"isolated": flag(p, "enableNetworkIsolation") is True, "vpc": bool(param(p, "vpcConfig"))}
        old = _swap(ctx, _props_key(call, "model", model), props)
        yield from _weakened(call, ctx, meta, "model", model, old, props)
    elif name == "CreateEndpointConfig" and (config := text(p, "endpointConfigName")):
        capture = param(p, "dataCaptureConfig")
        props = {
            "kms": bool(text(p, "kmsKeyId")),
            "capture": flag(capture, "enableCapture") is not False if isinstance(capture, dict) else False,
            "models": [m for v in items(p, "productionVariants") if (m := text(v, "modelName"))],
            # Inference-component endpoints set isolation and VPC on the config itself (their variants name no
            # model); for model-based configs these add to what the models set.
            "isolated": flag(p, "enableNetworkIsolation") is True,
            "vpc": bool(param(p, "vpcConfig")),
        }
        old = _swap(ctx, _props_key(call, "endpoint-config", config), props)
        yield from _weakened(call, ctx, meta, "endpoint-config", config, old, props)
    elif name in ("CreateEndpoint", "UpdateEndpoint") and (endpoint := text(p, "endpointName")):
        config = text(p, "endpointConfigName")
        if not config:
            return
        previous = _swap(ctx, _props_key(call, "endpoint", endpoint), {"config": config})
        if name == "UpdateEndpoint" and previous and previous.get("config") != config:
            old = _config_view(call, ctx, previous["config"])
            new = _config_view(call, ctx, config)
            yield from _weakened(call, ctx, meta, "endpoint", endpoint, old, new,
                                 detail=f"moved from config {previous['config']!r} to {config!r}")
    elif name == "CreateTrainingJob":
        yield from _open_training(call, ctx, meta)


def _props_key(call: ApiCall, kind: str, name: str) -> str:
    return f"ep:{kind}:{scope(call)}:{name}"


def _swap(ctx: DetectContext, key: str, value: dict[str, Any]) -> dict[str, Any] | None:
    """Store ``value`` at ``key`` and return what was there (retrying once if another writer won)."""
    for _ in range(2):
        old, version = ctx.state.get(key)
        if ctx.state.put(key, value, version, PROPS_TTL):
            return old
    return old


def _config_view(call: ApiCall, ctx: DetectContext, config: str) -> dict[str, Any] | None:
    """A config's own protections plus those of its models (all must hold for the config to hold them)."""
    props, _ = ctx.state.get(_props_key(call, "endpoint-config", config))
    if props is None:
        return None
    names = props.get("models", [])
    known = [m for n in names if (m := ctx.state.get(_props_key(call, "model", n))[0]) is not None]
    view = {"kms": props.get("kms"), "capture": props.get("capture")}
    for prop in ("isolated", "vpc"):
        if props.get(prop) is True:
            view[prop] = True
        elif not names:
            view[prop] = props.get(prop)  # inference components: the config's own setting is all there is
        elif known:
            view[prop] = all(m.get(prop) for m in known)
    return view


_LOSSES = {
    "kms": "KMS key removed",
    "capture": "data capture disabled",
    "isolated": "network isolation removed",
    "vpc": "VPC removed",
}


def _weakened(call: ApiCall, ctx: DetectContext, meta: DetectorMeta, kind: str, name: str,
              old: dict[str, Any] | None, new: dict[str, Any] | None, detail: str = "") -> Iterator[Finding]:
    if not old or not new:
        return
    lost = [label for prop, label in _LOSSES.items() if old.get(prop) is True and new.get(prop) is False]
    if not lost:
        return
    cfn = {"model": "AWS::SageMaker::Model", "endpoint-config": "AWS::SageMaker::EndpointConfig",
           "endpoint": "AWS::SageMaker::Endpoint"}[kind]
    trusted = ctx.config.is_trusted(call.actor_arn) or ctx.config.is_trusted(call.actor_key)
    what = detail or f"re-created {kind.replace('-', ' ')} {name!r} with less protection"
    yield ctx.finding(
        meta,
        key=f"weakened:{call.event_id or f'{scope(call)}:{kind}:{name}'}",
        description=(f"{call.actor_arn or call.actor_key} {what} on {kind.replace('-', ' ')} {name!r}: "
                     f"{', '.join(lost)}."),
        event_ids=[call.event_id],
        first_seen=call.time,
        account=call.account,
        region=call.region,
        principal=call.principal(),
        resources=[Resource(type=cfn, id=arn(call, kind, name))],
        evidence={**call.summary(), kind.replace("-", "_"): name, "lost": lost, "before": old, "after": new,
                  "trusted_principal": trusted},
        severity="low" if trusted else "medium",
    )


def _open_training(call: ApiCall, ctx: DetectContext, meta: DetectorMeta) -> Iterator[Finding]:
    """Protected training data read by a container that can reach the internet and writes unencrypted output."""
    p = call.request_parameters
    job = text(p, "trainingJobName")
    if not job or flag(p, "enableNetworkIsolation") is True or param(p, "vpcConfig"):
        return
    buckets = sorted({b for ch in items(p, "inputDataConfig")
                      if (b := s3_bucket(text(param(param(ch, "dataSource"), "s3DataSource"), "s3Uri")))
                      and is_protected_bucket(b, ctx)})
    if not buckets:
        return
    yield ctx.finding(
        meta,
        key=f"training:{call.event_id or f'{scope(call)}:{job}'}",
        title="SageMaker training on protected data without network isolation",
        description=(f"Training job {job!r} reads protected data ({', '.join(buckets)}) in a container with "
                     "neither network isolation nor a VPC: the data can leave through the container."),
        event_ids=[call.event_id],
        first_seen=call.time,
        account=call.account,
        region=call.region,
        principal=call.principal(),
        resources=[Resource(type="AWS::SageMaker::TrainingJob", id=arn(call, "training-job", job))],
        evidence={**call.summary(), "training_job": job, "protected_buckets": buckets,
                  "output_kms": bool(text(param(p, "outputDataConfig"), "kmsKeyId"))},
        severity="low",
    )
