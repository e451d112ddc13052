"""AgentCore Runtime images and code packages from unapproved sources."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...findings.model import Finding, Resource
from ...normalize.cloudtrail import ApiCall
from ..context import DetectContext
from ..patterns import api_calls
from ..registry import DetectorMeta, detector
from ..sagemaker.artifacts import Artifact, Verdict, judge
from ._agentcore import (
    FUNCTION,
    REDACTED,
    RUNTIME_CALLS,
    SERVICE,
    bucket,
    looks_like_image,
    member,
    runtime_arn,
    runtime_id,
)

CONTAINER_FIELD = "agentRuntimeArtifact.containerConfiguration.containerUri"
CODE_FIELD = "agentRuntimeArtifact.codeConfiguration.code.s3"


@detector(
    id="agentcore.runtime_supply_chain",
    title="AgentCore runtime runs an image or code from an unapproved source",
    category="model-supply-chain",
    severity="high",
    phase="enhanced",
    techniques=["AML.T0010", "T1525"],
    playbook=None,  # an AgentCore runtime has no containment playbook yet
    function=FUNCTION,
    events=[api_calls(SERVICE, list(RUNTIME_CALLS))],
    description=(
        "An AgentCore runtime runs the container image (agentRuntimeArtifact.containerConfiguration.containerUri) "
        "or the code package (agentRuntimeArtifact.codeConfiguration.code.s3) that CreateAgentRuntime or "
        "UpdateAgentRuntime names, with the runtime's execution role, for every caller of the agent: a backdoored "
        "image or package is the agent. Judged like SageMaker images and artifacts: outside "
        "approved_artifact_sources is high; without an allow-list an image in another account's ECR registry or "
        "in the ECR Public gallery is medium, and a code package (whose bucket owner a record does not show) is "
        "not judged. Values CloudTrail redacts or leaves out are skipped."
    ),
    false_positives=[
        "Images a team pulls from a shared-services account's registry before approved_artifact_sources names it.",
        "Agents deployed from public ECR base images on purpose (list public.ecr.aws/<namespace>/ as approved).",
    ],
    references=["https://docs.aws.amazon.com/bedrock-agentcore-control/latest/APIReference/API_CreateAgentRuntime.html",
                "https://docs.aws.amazon.com/bedrock-agentcore-control/latest/APIReference/API_UpdateAgentRuntime.html",
                "https://atlas.mitre.org/techniques/AML.T0010"],
)
def detect(event: dict[str, Any], ctx: DetectContext) -> Iterator[Finding]:
    """Judge the runtime's image or code package against ``approved_artifact_sources``.

    Known false positives: shared-services registries and deliberate public base images not yet allow-listed.
    """
    call = ApiCall(event["detail"])
    if call.error_code:
        return
    meta: DetectorMeta = detect.meta  # type: ignore[attr-defined]
    ident = runtime_id(call)
    if ident is None:
        return
    for artifact in runtime_artifacts(call.request_parameters):
        verdict = judge(artifact, call.account, ctx.config)
        if verdict is not None:
            yield _finding(call, ctx, meta, ident, verdict)


def runtime_artifacts(params: dict[str, Any]) -> list[Artifact]:
    """The image and the code package a Create/UpdateAgentRuntime request names, where CloudTrail kept them.

    Examples
    --------
    >>> runtime_artifacts({"agentRuntimeArtifact": {"codeConfiguration": {"code": {"s3": {
    ...     "bucket": "agent-code", "prefix": "support/v3.zip"}}}}})[0].location
    's3://agent-code/support/v3.zip'
    >>> runtime_artifacts({"agentRuntimeArtifact": {"containerConfiguration": "HIDDEN_DUE_TO_SECURITY_REASONS"}})
    []
    """
    out: list[Artifact] = []
    uri = member(params, *CONTAINER_FIELD.split("."))
    if looks_like_image(uri):
        out.append(Artifact("image", uri, CONTAINER_FIELD))
    s3 = member(params, *CODE_FIELD.split("."))
    name, prefix = bucket(member(s3, "bucket")), member(s3, "prefix")
    if name and isinstance(prefix, str) and prefix not in REDACTED:
        out.append(Artifact("agent-code", f"s3://{name}/{prefix.lstrip('/')}", CODE_FIELD))
    return out


def _finding(call: ApiCall, ctx: DetectContext, meta: DetectorMeta, ident: str, verdict: Verdict) -> Finding:
    location = verdict.artifact.location
    return ctx.call_finding(
        meta,
        call,
        key=f"agentcore-runtime:{call.account}:{call.region}:{ident}:{location}",
        description=(f"{call.actor_arn or call.actor_key} called {call.event_name} for AgentCore runtime {ident!r} "
                     f"running {location[:200]} ({verdict.reason.replace('-', ' ')}): the agent runs that "
                     "artifact with the runtime's execution role."),
        resources=[Resource(type="AWS::BedrockAgentCore::Runtime", id=runtime_arn(call, ident))],
        evidence={"agent_runtime": ident, "artifacts": [verdict.evidence()],
                  "role_arn": call.request_parameters.get("roleArn"),
                  "approved_sources_configured": bool(ctx.config.approved_artifact_sources)},
        severity=verdict.severity,
    )
