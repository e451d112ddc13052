"""Encryption of Bedrock resources with customer managed keys: custom models, customization jobs (newest
``lookback``), knowledge-base data sources, prompts; and rotation of the keys AI resources use."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError

from ...aws import error_code
from ..collect import agents, custom_models, customization_jobs, data_sources, guardrails, notebooks, prompts
from ..context import AssessContext
from ..model import Result, not_applicable
from ..registry import check
from ._common import evaluate


@check(id="bedrock.custom_model_kms", title="Custom models are encrypted with a customer managed KMS key",
       layer="identity-data", phase="enhanced", severity="medium",
       api_calls=["bedrock:ListCustomModels", "bedrock:GetCustomModel"],
       remediation="Customize models with customModelKmsKeyId set; re-create models that use an AWS owned key.",
       references={"owasp_llm_2025": ["LLM04"], "mitre_atlas": ["AML.T0024"]})
def custom_model_kms(ctx: AssessContext, region: str) -> Iterator[Result]:
    yield from evaluate(custom_models(ctx, region), none="no custom models", resource=lambda m: m.get("modelArn"),
                        problem=lambda m: None if m.get("modelKmsKeyArn") else "encrypted with an AWS owned key",
                        ok="customer managed KMS key")


@check(id="bedrock.customization_job_kms", title="Model customization jobs use a customer managed KMS key",
       layer="identity-data", phase="advanced", severity="low",
       api_calls=["bedrock:ListModelCustomizationJobs", "bedrock:GetModelCustomizationJob"],
       remediation="Pass customModelKmsKeyId to CreateModelCustomizationJob.",
       references={"owasp_llm_2025": ["LLM04"]})
def customization_job_kms(ctx: AssessContext, region: str) -> Iterator[Result]:
    yield from evaluate(customization_jobs(ctx, region), none="no model customization jobs",
                        resource=lambda j: j.get("jobArn"),
                        problem=lambda j: None if j.get("outputModelKmsKeyArn") else "no customer managed key",
                        ok="customer managed KMS key")


@check(id="bedrock.knowledge_base_data_source_kms",
       title="Knowledge-base data sources are encrypted with customer managed KMS keys",
       layer="identity-data", phase="enhanced", severity="medium",
       api_calls=["bedrock-agent:ListKnowledgeBases", "bedrock-agent:ListDataSources", "bedrock-agent:GetDataSource"],
       remediation="Set serverSideEncryptionConfiguration.kmsKeyArn on knowledge-base data sources.",
       references={"securityhub": ["Bedrock.1"], "owasp_llm_2025": ["LLM08"]})
def knowledge_base_data_source_kms(ctx: AssessContext, region: str) -> Iterator[Result]:
    def arn(d: dict[str, Any]) -> str:
        return f"arn:aws:bedrock:{region}:{ctx.account}:knowledge-base/{d.get('knowledgeBaseId')}" \
               f"/data-source/{d.get('dataSourceId')}"
    yield from evaluate(data_sources(ctx, region), none="no knowledge-base data sources", resource=arn,
                        problem=lambda d: None if (d.get("serverSideEncryptionConfiguration") or {}).get("kmsKeyArn")
                        else "no customer managed KMS key", ok="customer managed KMS key")


@check(id="bedrock.prompt_kms", title="Prompt management prompts are encrypted with a customer managed KMS key",
       layer="identity-data", phase="advanced", severity="low",
       api_calls=["bedrock-agent:ListPrompts", "bedrock-agent:GetPrompt"],
       remediation="Create prompts with customerEncryptionKeyArn.",
       references={"owasp_llm_2025": ["LLM07"]})
def prompt_kms(ctx: AssessContext, region: str) -> Iterator[Result]:
    yield from evaluate(prompts(ctx, region), none="no managed prompts", resource=lambda p: p.get("arn"),
                        problem=lambda p: None if p.get("customerEncryptionKeyArn") else "no customer managed key",
                        ok="customer managed KMS key")


def _ai_keys(ctx: AssessContext, region: str) -> list[str]:
    keys: set[str] = set()
    sources = (
        lambda: [n.get("KmsKeyId") for n in notebooks(ctx, region)],
        lambda: [m.get("modelKmsKeyArn") for m in custom_models(ctx, region)],
        lambda: [g.get("kmsKeyArn") for g in guardrails(ctx, region)],
        lambda: [a.get("customerEncryptionKeyArn") for a in agents(ctx, region)],
    )
    errors = []
    for src in sources:
        try:
            keys.update(k for k in src() if k)
        except Exception as e:  # keys found elsewhere are still checked
            errors.append(e)
    if not keys and errors:
        raise errors[0]
    return sorted(keys)


@check(id="kms.ai_key_rotation", title="KMS keys protecting AI resources rotate automatically",
       layer="identity-data", phase="advanced", severity="low",
       api_calls=["kms:GetKeyRotationStatus", "kms:DescribeKey", "sagemaker:ListNotebookInstances",
                  "sagemaker:DescribeNotebookInstance", "bedrock:ListCustomModels", "bedrock:GetCustomModel",
                  "bedrock:ListGuardrails", "bedrock:GetGuardrail", "bedrock-agent:ListAgents",
                  "bedrock-agent:GetAgent"],
       remediation="Enable automatic rotation (kms:EnableKeyRotation) on customer managed keys used by notebooks, "
                   "custom models, guardrails and agents.",
       references={"securityhub": ["KMS.4"]})
def ai_key_rotation(ctx: AssessContext, region: str) -> Iterator[Result]:
    keys = _ai_keys(ctx, region)
    if not keys:
        yield not_applicable("no customer managed keys on AI resources")
        return
    kms = ctx.client("kms", region)
    described = []
    for k in keys:
        try:
            meta = kms.describe_key(KeyId=k)["KeyMetadata"]
        except ClientError as e:
            if error_code(e) != "NotFoundException":
                raise
            meta = {"Arn": k, "KeyManager": "MISSING"}
        described.append(meta)

    def problem(m: dict[str, Any]) -> str | None:
        if m.get("KeyManager") == "MISSING":
            return "key does not exist: the resources it encrypts are unreadable"
        if m.get("KeyManager") != "CUSTOMER" or m.get("KeySpec", "SYMMETRIC_DEFAULT") != "SYMMETRIC_DEFAULT":
            return None
        # By ARN: a key of another account is found only by its ARN.
        return None if kms.get_key_rotation_status(KeyId=m["Arn"]).get("KeyRotationEnabled") \
            else "automatic rotation is off"

    def cannot_rotate(m: dict[str, Any]) -> str | None:
        # KMS rotates automatically only key material it generated (GetKeyRotationStatus): not imported material
        # (EXTERNAL) nor keys in a custom key store (AWS_CLOUDHSM, EXTERNAL_KEY_STORE).
        origin = m.get("Origin", "AWS_KMS")
        if m.get("KeyManager") == "CUSTOMER" and origin != "AWS_KMS":
            return f"key material from {origin} cannot rotate automatically: rotate it manually"
        return None
    yield from evaluate(described, none="no keys", resource=lambda m: m.get("Arn"), problem=problem,
                        ok="rotation on (or an AWS managed key)", skip=cannot_rotate)
