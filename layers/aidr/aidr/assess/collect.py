"""Inventories the checks share, collected once per run through ``ctx.memo`` (Prowler's service classes).

Each collector lists and describes one kind of resource in one region. Unbounded histories (training and model
customization jobs) are read newest first and stop at ``ctx.lookback``. Usage signals (``bedrock_usage``,
``sagemaker_usage``) decide NOT_APPLICABLE: a region with no sign of a service is not failed for its controls.
Bedrock collectors return nothing in a region where botocore's endpoint data has no Bedrock endpoint (``ap-east-1``,
for instance): there is nothing to read there, and calling would only fail to connect after the retries.
"""

from __future__ import annotations

from typing import Any

from .context import AssessContext

BEDROCK_USAGE_CALLS = ("cloudwatch:ListMetrics", "bedrock:ListCustomModels", "bedrock:GetCustomModel",
                       "bedrock-agent:ListAgents", "bedrock-agent:ListKnowledgeBases")
SAGEMAKER_USAGE_CALLS = ("sagemaker:ListNotebookInstances", "sagemaker:DescribeNotebookInstance",
                         "sagemaker:ListEndpoints", "sagemaker:ListTrainingJobs", "sagemaker:ListDomains",
                         "sagemaker:DescribeDomain")


def _signals(probes: dict[str, Any]) -> list[str]:
    """Names of the probes that found something; raises the first error only when none found anything."""
    found, errors = [], []
    for name, probe in probes.items():
        try:
            if probe():
                found.append(name)
        except Exception as e:  # one unreadable signal must not hide another that is readable
            errors.append(e)
    if not found and errors:
        raise errors[0]
    return found


def bedrock_usage(ctx: AssessContext, region: str) -> list[str]:
    """Why ``region`` counts as using Bedrock: model metrics in CloudWatch (kept 15 months), custom models, agents
    or knowledge bases. Empty when none; raises when nothing could be read."""
    def load() -> list[str]:
        return _signals({
            "model invocations (AWS/Bedrock metrics)": lambda: ctx.client("cloudwatch", region).list_metrics(
                Namespace="AWS/Bedrock").get("Metrics"),
            "custom models": lambda: custom_models(ctx, region),
            "agents": lambda: agent_summaries(ctx, region),
            "knowledge bases": lambda: knowledge_bases(ctx, region),
        })
    return ctx.memo(("bedrock_usage", region), load)


def sagemaker_usage(ctx: AssessContext, region: str) -> list[str]:
    """Why ``region`` counts as using SageMaker (notebooks, endpoints, training jobs, Studio domains)."""
    def load() -> list[str]:
        return _signals({
            "notebook instances": lambda: notebooks(ctx, region),
            "endpoints": lambda: ctx.paginate("sagemaker", region, "list_endpoints", "Endpoints", limit=1),
            "training jobs": lambda: ctx.paginate("sagemaker", region, "list_training_jobs", "TrainingJobSummaries",
                                                  limit=1),
            "Studio domains": lambda: domains(ctx, region),
        })
    return ctx.memo(("sagemaker_usage", region), load)


def ai_usage(ctx: AssessContext, region: str) -> list[str]:
    """Bedrock or SageMaker usage in ``region``."""
    return _signals({"Bedrock": lambda: bedrock_usage(ctx, region), "SageMaker": lambda: sagemaker_usage(ctx, region)})


def ai_regions(ctx: AssessContext) -> list[str]:
    """Assessed regions that use Bedrock or SageMaker; raises when usage could not be read anywhere."""
    return ctx.memo(("ai_regions",), lambda: [r for r in ctx.regions if _signals({r: lambda r=r: ai_usage(ctx, r)})])


def bedrock_regions(ctx: AssessContext) -> list[str]:
    return ctx.memo(("bedrock_regions",), lambda: [r for r in ctx.regions
                                                   if _signals({r: lambda r=r: bedrock_usage(ctx, r)})])


def has_endpoint(ctx: AssessContext, service: str, region: str) -> bool:
    """Whether botocore's endpoint data offers ``service`` in ``region``.

    A region this botocore does not know at all (newer than its endpoint data), or a service it lists no regions for
    (``bedrock-agent`` is resolved by rules only: its collectors ask about ``bedrock``), counts as having the
    endpoint, so the call decides there.

    Examples
    --------
    >>> ctx = AssessContext(None, "123456789012", ["ap-east-1", "us-east-1"])
    >>> has_endpoint(ctx, "bedrock", "ap-east-1"), has_endpoint(ctx, "bedrock", "us-east-1")
    (False, True)
    """
    def load() -> bool:
        import boto3

        session = ctx.session or boto3.session.Session()
        try:
            part = session.get_partition_for_region(region)
        except Exception:  # a region name botocore cannot place: let the call decide
            return True
        offered = session.get_available_regions(service, part)
        if not offered or region in offered:
            return True
        return region not in session.get_available_regions("ec2", part)  # EC2 is in every region botocore knows
    return ctx.memo(("has_endpoint", service, region), load)


# --- Bedrock -----------------------------------------------------------------------------------------------------

def logging_config(ctx: AssessContext, region: str) -> dict[str, Any] | None:
    def load() -> dict[str, Any] | None:
        if not has_endpoint(ctx, "bedrock", region):
            return None
        return ctx.client("bedrock", region).get_model_invocation_logging_configuration().get("loggingConfig")
    return ctx.memo(("bedrock_logging", region), load)


def custom_models(ctx: AssessContext, region: str) -> list[dict[str, Any]]:
    def load() -> list[dict[str, Any]]:
        if not has_endpoint(ctx, "bedrock", region):
            return []
        c = ctx.client("bedrock", region)
        return [c.get_custom_model(modelIdentifier=m["modelArn"])
                for m in ctx.paginate("bedrock", region, "list_custom_models", "modelSummaries")]
    return ctx.memo(("custom_models", region), load)


def customization_jobs(ctx: AssessContext, region: str) -> list[dict[str, Any]]:
    """The most recent ``ctx.lookback`` model customization jobs, described."""
    def load() -> list[dict[str, Any]]:
        if not has_endpoint(ctx, "bedrock", region):
            return []
        c = ctx.client("bedrock", region)
        jobs = ctx.paginate("bedrock", region, "list_model_customization_jobs", "modelCustomizationJobSummaries",
                            limit=ctx.lookback, sortBy="CreationTime", sortOrder="Descending")
        # By name (unique per account and region): moto 5.2.5 cannot find a job by its ARN.
        return [c.get_model_customization_job(jobIdentifier=j["jobName"]) for j in jobs]
    return ctx.memo(("customization_jobs", region), load)


def guardrails(ctx: AssessContext, region: str) -> list[dict[str, Any]]:
    """Every guardrail's working draft (``GetGuardrail`` without a version), which newer versions copy."""
    def load() -> list[dict[str, Any]]:
        if not has_endpoint(ctx, "bedrock", region):
            return []
        c = ctx.client("bedrock", region)
        return [c.get_guardrail(guardrailIdentifier=g["id"])
                for g in ctx.paginate("bedrock", region, "list_guardrails", "guardrails")]
    return ctx.memo(("guardrails", region), load)


def agent_summaries(ctx: AssessContext, region: str) -> list[dict[str, Any]]:
    return ctx.memo(("agent_summaries", region), lambda: ctx.paginate(
        "bedrock-agent", region, "list_agents", "agentSummaries") if has_endpoint(ctx, "bedrock", region) else [])


def agents(ctx: AssessContext, region: str) -> list[dict[str, Any]]:
    def load() -> list[dict[str, Any]]:
        c = ctx.client("bedrock-agent", region)
        return [c.get_agent(agentId=a["agentId"])["agent"] for a in agent_summaries(ctx, region)]
    return ctx.memo(("agents", region), load)


def knowledge_bases(ctx: AssessContext, region: str) -> list[dict[str, Any]]:
    return ctx.memo(("knowledge_bases", region), lambda: ctx.paginate(
        "bedrock-agent", region, "list_knowledge_bases", "knowledgeBaseSummaries")
        if has_endpoint(ctx, "bedrock", region) else [])


def data_sources(ctx: AssessContext, region: str) -> list[dict[str, Any]]:
    """Every knowledge base's data sources, described."""
    def load() -> list[dict[str, Any]]:
        c = ctx.client("bedrock-agent", region)
        out = []
        for kb in knowledge_bases(ctx, region):
            for ds in ctx.paginate("bedrock-agent", region, "list_data_sources", "dataSourceSummaries",
                                   knowledgeBaseId=kb["knowledgeBaseId"]):
                out.append(c.get_data_source(knowledgeBaseId=kb["knowledgeBaseId"],
                                             dataSourceId=ds["dataSourceId"])["dataSource"])
        return out
    return ctx.memo(("data_sources", region), load)


def prompts(ctx: AssessContext, region: str) -> list[dict[str, Any]]:
    def load() -> list[dict[str, Any]]:
        if not has_endpoint(ctx, "bedrock", region):
            return []
        c = ctx.client("bedrock-agent", region)
        return [c.get_prompt(promptIdentifier=p["id"])
                for p in ctx.paginate("bedrock-agent", region, "list_prompts", "promptSummaries")]
    return ctx.memo(("prompts", region), load)


# --- SageMaker ---------------------------------------------------------------------------------------------------

def notebooks(ctx: AssessContext, region: str) -> list[dict[str, Any]]:
    def load() -> list[dict[str, Any]]:
        c = ctx.client("sagemaker", region)
        return [c.describe_notebook_instance(NotebookInstanceName=n["NotebookInstanceName"])
                for n in ctx.paginate("sagemaker", region, "list_notebook_instances", "NotebookInstances")]
    return ctx.memo(("notebooks", region), load)


def training_jobs(ctx: AssessContext, region: str) -> list[dict[str, Any]]:
    """The most recent ``ctx.lookback`` training jobs, described (an account may have hundreds of thousands)."""
    def load() -> list[dict[str, Any]]:
        c = ctx.client("sagemaker", region)
        jobs = ctx.paginate("sagemaker", region, "list_training_jobs", "TrainingJobSummaries", limit=ctx.lookback,
                            SortBy="CreationTime", SortOrder="Descending")
        return [c.describe_training_job(TrainingJobName=j["TrainingJobName"]) for j in jobs]
    return ctx.memo(("training_jobs", region), load)


def models(ctx: AssessContext, region: str) -> list[dict[str, Any]]:
    def load() -> list[dict[str, Any]]:
        c = ctx.client("sagemaker", region)
        return [c.describe_model(ModelName=m["ModelName"])
                for m in ctx.paginate("sagemaker", region, "list_models", "Models")]
    return ctx.memo(("models", region), load)


def endpoint_configs(ctx: AssessContext, region: str) -> list[dict[str, Any]]:
    def load() -> list[dict[str, Any]]:
        c = ctx.client("sagemaker", region)
        return [c.describe_endpoint_config(EndpointConfigName=e["EndpointConfigName"])
                for e in ctx.paginate("sagemaker", region, "list_endpoint_configs", "EndpointConfigs")]
    return ctx.memo(("endpoint_configs", region), load)


def domains(ctx: AssessContext, region: str) -> list[dict[str, Any]]:
    def load() -> list[dict[str, Any]]:
        c = ctx.client("sagemaker", region)
        return [c.describe_domain(DomainId=d["DomainId"])
                for d in ctx.paginate("sagemaker", region, "list_domains", "Domains")]
    return ctx.memo(("domains", region), load)


# --- IAM (account-wide) ------------------------------------------------------------------------------------------

def iam_details(ctx: AssessContext) -> dict[str, list[dict[str, Any]]]:
    """Users, roles, groups and customer managed policies with their documents, from one paginated call."""
    def load() -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {"UserDetailList": [], "RoleDetailList": [], "GroupDetailList": [],
                                                "Policies": []}
        pages = ctx.client("iam").get_paginator("get_account_authorization_details").paginate(
            Filter=["User", "Role", "Group", "LocalManagedPolicy"])
        for page in pages:
            for k in out:
                out[k].extend(page.get(k) or [])
        return out
    return ctx.memo(("iam_details",), load)


def bedrock_api_keys(ctx: AssessContext) -> list[dict[str, Any]]:
    """Long-term Bedrock API keys: IAM service-specific credentials for ``bedrock.amazonaws.com``, every page.

    botocore has no paginator for ListServiceSpecificCredentials: follow ``Marker`` while ``IsTruncated``.
    """
    def load() -> list[dict[str, Any]]:
        iam = ctx.client("iam")
        params: dict[str, Any] = {"AllUsers": True, "ServiceName": "bedrock.amazonaws.com"}
        keys: list[dict[str, Any]] = []
        while True:
            page = iam.list_service_specific_credentials(**params)
            keys.extend(page.get("ServiceSpecificCredentials") or [])
            marker = page.get("Marker")
            if not page.get("IsTruncated") or not marker or marker == params.get("Marker"):
                return keys
            params["Marker"] = marker
    return ctx.memo(("bedrock_api_keys",), load)
