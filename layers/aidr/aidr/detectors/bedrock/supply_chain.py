"""Bedrock model imports, custom-model deployments and Marketplace endpoints from unapproved sources."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...findings.model import Finding, Resource
from ...inventory import arn_account
from ...normalize.cloudtrail import ApiCall
from ..context import DetectContext
from ..patterns import api_calls
from ..registry import DetectorMeta, detector
from ..sagemaker.artifacts import Artifact, Verdict, is_approved, worst

FUNCTION = "DetectBedrockFunction"
FLAG_TTL = 400 * 86400
IMPORT_CALLS = ("CreateModelImportJob", "CreateCustomModel")
MARKETPLACE_CALLS = ("CreateMarketplaceModelEndpoint", "RegisterMarketplaceModelEndpoint")
DEPLOY_CALLS = ("CreateCustomModelDeployment",)
# A custom model shared from another account (AWS RAM, same organization) must be copied in before use
# (Bedrock user guide, "Copy a customized or shared model to use in a Region").
COPY_CALLS = ("CreateModelCopyJob",)
# Read to learn the AI inventory (training-data buckets, customization roles); never reported on.
LEARN_CALLS = ("CreateModelCustomizationJob",)


@detector(
    id="bedrock.model_supply_chain",
    title="Bedrock model imported or deployed from an unapproved source",
    category="model-supply-chain",
    severity="high",
    phase="enhanced",
    techniques=["AML.T0010", "AML.T0018"],
    playbook=None,  # imported models and Marketplace endpoints have no containment playbook yet
    function=FUNCTION,
    events=[api_calls("bedrock", [*IMPORT_CALLS, *MARKETPLACE_CALLS, *DEPLOY_CALLS, *COPY_CALLS,
                                  *LEARN_CALLS])],
    description=(
        "Custom Model Import and CreateCustomModel load weights from S3 into Bedrock, and Marketplace endpoints "
        "run third-party models on SageMaker, and CreateModelCopyJob brings in a custom model another account "
        "shared: each is a way for a poisoned or backdoored model to answer the account's applications. Sources "
        "outside approved_artifact_sources are high; without an allow-list every import and shared-model copy is "
        "reported low for review, and a SageMaker endpoint in another account is medium."
    ),
    false_positives=[
        "A team importing a model it fine-tuned itself before approved_artifact_sources lists its bucket.",
        "Marketplace models chosen deliberately (add their ARNs or a prefix to approved_artifact_sources).",
    ],
    references=["https://docs.aws.amazon.com/bedrock/latest/userguide/model-customization-import-model.html",
                "https://docs.aws.amazon.com/bedrock/latest/userguide/amazon-bedrock-marketplace.html"],
)
def detect(event: dict[str, Any], ctx: DetectContext) -> Iterator[Finding]:
    """Judge imported weights and Marketplace model sources; follow flagged custom models to deployment.

    Known false positives: self-trained models imported before the allow-list names their bucket, and
    Marketplace models chosen on purpose.
    """
    call = ApiCall(event["detail"])
    if call.error_code:
        return
    meta: DetectorMeta = detect.meta  # type: ignore[attr-defined]
    p = call.request_parameters
    name = call.event_name
    if name in IMPORT_CALLS:
        source = p.get("modelDataSource") if name == "CreateModelImportJob" else p.get("modelSourceConfig")
        s3 = source.get("s3DataSource") if isinstance(source, dict) else None
        uri = s3.get("s3Uri") if isinstance(s3, dict) else None
        model = p.get("importedModelName") or p.get("modelName")
        if isinstance(uri, str) and isinstance(model, str):
            yield from _judged(call, ctx, meta, Artifact("model-data", uri, "s3Uri"), model,
                               "AWS::Bedrock::ImportedModel" if name == "CreateModelImportJob" else
                               "AWS::Bedrock::CustomModel")
    elif name in MARKETPLACE_CALLS:
        yield from _marketplace(call, ctx, meta)
    elif name in DEPLOY_CALLS:
        yield from _deployment(call, ctx, meta)
    elif name in COPY_CALLS:
        yield from _copy(call, ctx, meta)


def _verdict(artifact: Artifact, ctx: DetectContext, unlisted: str = "no-allow-list") -> Verdict | None:
    if ctx.config.approved_artifact_sources:
        return None if is_approved(artifact.location, ctx.config) else Verdict(artifact, "not-approved", "high")
    return Verdict(artifact, unlisted, "low")


def _flag_key(call: ApiCall, model: str) -> str:
    return f"sc:bedrock-flagged:{call.account or '-'}:{call.region or '-'}:{model}"


def _copy(call: ApiCall, ctx: DetectContext, meta: DetectorMeta) -> Iterator[Finding]:
    """A copy of another account's custom model; copies of the account's own models were judged at import."""
    p = call.request_parameters
    source, model = p.get("sourceModelArn"), p.get("targetModelName")
    if not isinstance(source, str) or not isinstance(model, str) or arn_account(source) in (None, call.account):
        return
    yield from _judged(call, ctx, meta, Artifact("shared-model", source, "sourceModelArn"), model,
                       "AWS::Bedrock::CustomModel", unlisted="foreign-account-model")


def _judged(call: ApiCall, ctx: DetectContext, meta: DetectorMeta, artifact: Artifact, model: str,
            cfn: str, unlisted: str = "no-allow-list") -> Iterator[Finding]:
    verdict = _verdict(artifact, ctx, unlisted)
    if verdict is None:
        return
    if verdict.severity != "low":
        # CreateCustomModel answers with the model ARN that a later CreateCustomModelDeployment names.
        created = call.response_elements.get("modelArn")
        for ident in (model, created if isinstance(created, str) else None):
            if ident:
                ctx.state.add(_flag_key(call, ident), call.event_id or model, ctx.when(call.time).timestamp(),
                              FLAG_TTL, {**verdict.evidence(), "model": model})
    yield _finding(call, ctx, meta, model, cfn, [verdict], [call.event_id],
                   f"{call.actor_arn or call.actor_key} called {call.event_name} for {model!r} from "
                   f"{artifact.location[:200]} ({verdict.reason.replace('-', ' ')}).")


def _finding(call: ApiCall, ctx: DetectContext, meta: DetectorMeta, model: str, cfn: str, verdicts: list[Verdict],
             event_ids: list[str | None], description: str) -> Finding:
    return ctx.finding(
        meta,
        key=f"bedrock-model:{call.account}:{call.region}:{model}",
        description=description,
        event_ids=event_ids,
        first_seen=call.time,
        account=call.account,
        region=call.region,
        principal=call.principal(),
        resources=[Resource(type=cfn, id=model)],
        evidence={**call.summary(), "model": model, "artifacts": [v.evidence() for v in verdicts],
                  "approved_sources_configured": bool(ctx.config.approved_artifact_sources)},
        severity=worst(verdicts),
    )


def _marketplace(call: ApiCall, ctx: DetectContext, meta: DetectorMeta) -> Iterator[Finding]:
    p = call.request_parameters
    source = p.get("modelSourceIdentifier")
    endpoint = p.get("endpointIdentifier") or p.get("endpointName")
    if not isinstance(source, str) or not isinstance(endpoint, str):
        return
    verdicts: list[Verdict] = []
    if ctx.config.approved_artifact_sources and not is_approved(source, ctx.config):
        verdicts.append(Verdict(Artifact("marketplace-model", source, "modelSourceIdentifier"), "not-approved", "high"))
    owner = arn_account(endpoint)
    if call.event_name == "RegisterMarketplaceModelEndpoint" and owner and owner != call.account:
        verdicts.append(Verdict(Artifact("sagemaker-endpoint", endpoint, "endpointIdentifier"),
                                "foreign-account-endpoint", "medium"))
    if verdicts:
        yield _finding(call, ctx, meta, endpoint, "AWS::SageMaker::Endpoint", verdicts, [call.event_id],
                       f"{call.actor_arn or call.actor_key} called {call.event_name} for {endpoint!r} serving "
                       f"{source[:200]}: {', '.join(v.reason.replace('-', ' ') for v in verdicts)}.")


def _deployment(call: ApiCall, ctx: DetectContext, meta: DetectorMeta) -> Iterator[Finding]:
    model_arn = call.request_parameters.get("modelArn")
    if not isinstance(model_arn, str):
        return
    flagged = ctx.state.members(_flag_key(call, model_arn)) or ctx.state.members(
        _flag_key(call, model_arn.rsplit("/", 1)[-1]))
    if not flagged:
        return
    model = str(flagged[0].data.get("model") or model_arn)  # the name the import used: one finding per model
    verdicts = [Verdict(Artifact(m.data["kind"], m.data["location"], m.data["field"]), m.data["reason"], "high")
                for m in flagged]
    yield _finding(call, ctx, meta, model, "AWS::Bedrock::CustomModel", verdicts,
                   [*(m.member for m in flagged), call.event_id],
                   f"{call.actor_arn or call.actor_key} deployed custom model {model!r}, imported from an "
                   "unapproved source, for on-demand inference.")
