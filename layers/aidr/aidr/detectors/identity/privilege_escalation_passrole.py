"""An AI execution role passed to SageMaker or Bedrock by a principal that never passed it before.

iam:PassRole leaves no CloudTrail event of its own: it shows as the role ARN in the request that hands the role
to a service (CreateNotebookInstance ``roleArn``, CreateModel ``executionRoleArn``, CreateAgent
``agentResourceRoleArn``...). Whoever can pass a role can run code with its rights, so the first time an
identity passes a role that others passed before is privilege escalation in the making. The first passer of a
role is its baseline. Two detectors (one per function that sees the requests) share the logic.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...findings.model import Finding, Resource
from ...inventory import passed_roles
from ...normalize.cloudtrail import ApiCall
from ..context import DetectContext
from ..patterns import api_calls
from ..registry import DetectorMeta, detector

BASELINE_TTL = 400 * 86400
SAGEMAKER_CALLS = (
    "CreateNotebookInstance", "UpdateNotebookInstance", "CreateTrainingJob", "CreateProcessingJob", "CreateModel",
    "CreateHyperParameterTuningJob", "CreatePipeline", "UpdatePipeline", "CreateDomain", "UpdateDomain",
    "CreateUserProfile", "UpdateUserProfile", "CreateLabelingJob", "CreateAutoMLJob", "CreateAutoMLJobV2",
    "CreateCompilationJob", "CreateFlowDefinition",
)
BEDROCK_CALLS = (
    "CreateAgent", "UpdateAgent", "CreateKnowledgeBase", "UpdateKnowledgeBase", "CreateModelCustomizationJob",
    "CreateModelImportJob", "CreateCustomModel", "CreateEvaluationJob", "CreateModelInvocationJob", "CreateFlow",
    "UpdateFlow", "CreateMarketplaceModelEndpoint",
)
_META: dict[str, Any] = dict(
    category="privilege-escalation",
    severity="medium",
    phase="enhanced",
    techniques=["T1098", "T1548"],
    playbook="revoke-principal",
    false_positives=[
        "A new team member or a new CI role starting to run jobs with the team's execution role.",
        "A role passed for the first time after aidr was deployed by someone other than its usual passer "
        "(the baseline starts with the first passer seen).",
    ],
    references=["https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html"],
)
_DESCRIPTION = (
    "The {service} request hands an IAM execution role to the service, which then runs code with it. A caller "
    "passing a role that other identities passed before, for the first time, may be using a PassRole grant "
    "to reach the role's rights (T1548). The first passer of a role is its baseline; trusted_principals are "
    "never reported."
)


@detector(id="sagemaker.ai_role_passed_by_new_principal",
          title="SageMaker execution role passed by a new principal",
          function="DetectSageMakerFunction", events=[api_calls("sagemaker", list(SAGEMAKER_CALLS))],
          description=_DESCRIPTION.format(service="SageMaker"), **_META)
def detect_sagemaker(event: dict[str, Any], ctx: DetectContext) -> Iterator[Finding]:
    """Report the first time an identity passes a SageMaker execution role others passed before.

    Known false positives: new team members or CI roles using the team's role; the first pass seen after
    deployment becomes the baseline.
    """
    yield from _passrole(event, ctx, detect_sagemaker.meta)  # type: ignore[attr-defined]


@detector(id="bedrock.ai_role_passed_by_new_principal",
          title="Bedrock service role passed by a new principal",
          function="DetectBedrockFunction", events=[api_calls("bedrock", list(BEDROCK_CALLS))],
          description=_DESCRIPTION.format(service="Bedrock"), **_META)
def detect_bedrock(event: dict[str, Any], ctx: DetectContext) -> Iterator[Finding]:
    """Report the first time an identity passes a Bedrock service role (agent, knowledge base, job) others passed.

    Known false positives: as for SageMaker.
    """
    yield from _passrole(event, ctx, detect_bedrock.meta)  # type: ignore[attr-defined]


def _passrole(event: dict[str, Any], ctx: DetectContext, meta: DetectorMeta) -> Iterator[Finding]:
    call = ApiCall(event["detail"])
    if call.error_code:
        return
    trusted = ctx.config.is_trusted(call.actor_arn) or ctx.config.is_trusted(call.actor_key)
    t = ctx.when(call.time).timestamp()
    for account, role, field in passed_roles(call.request_parameters):
        key = f"pe:passers:{account}:{role}"
        known = {m.member for m in ctx.state.members(key)}
        ctx.state.add(key, call.actor_key, t, BASELINE_TTL)
        if trusted or not known or call.actor_key in known:
            continue
        yield ctx.finding(
            meta,
            key=f"passrole:{account}:{role}:{call.actor_key}",  # once per role and new passer
            description=(f"{call.actor_arn or call.actor_key} passed role {role} to {call.service} "
                         f"({call.event_name} {field}) for the first time; {len(known)} other identity(ies) "
                         "passed it before."),
            event_ids=[call.event_id],
            first_seen=call.time,
            account=call.account,
            region=call.region,
            principal=call.principal(),
            resources=[Resource(type="AWS::IAM::Role", id=f"arn:aws:iam::{account}:role/{role}")],
            evidence={**call.summary(), "role": role, "request_field": field, "known_passers": len(known)},
        )
