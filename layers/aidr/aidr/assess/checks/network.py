"""Private connectivity to AI services: interface VPC endpoints for Bedrock and SageMaker, with policies."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...normalize.iam_policy import allows, as_list, load_document, principals, statements
from ..collect import BEDROCK_USAGE_CALLS, SAGEMAKER_USAGE_CALLS, agent_summaries, bedrock_usage, sagemaker_usage
from ..context import AssessContext
from ..model import Result, failed, not_applicable, passed
from ..registry import check

EP = "ec2:DescribeVpcEndpoints"


def endpoints(ctx: AssessContext, region: str) -> dict[str, list[dict[str, Any]]]:
    """Available VPC endpoints in ``region`` by service suffix (``bedrock-runtime``, ``sagemaker.api``, ...)."""
    def load() -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        for e in ctx.paginate("ec2", region, "describe_vpc_endpoints", "VpcEndpoints"):
            if str(e.get("State", "available")).lower() in ("available", "pending"):
                suffix = str(e.get("ServiceName", "")).split(f".{region}.", 1)[-1]
                out.setdefault(suffix, []).append(e)
        return out
    return ctx.memo(("vpc_endpoints", region), load)


def _endpoint_check(ctx: AssessContext, region: str, services: tuple[str, ...], usage: list[str],
                    what: str) -> Iterator[Result]:
    eps = endpoints(ctx, region)
    missing = [s for s in services if not eps.get(s)]
    if not missing:
        ids = ", ".join(e["VpcEndpointId"] for s in services for e in eps[s][:1])
        yield passed(f"interface endpoints present ({ids})")
    elif not usage:
        yield not_applicable(f"{what} is not used")
    else:
        yield failed(f"{what} is used ({', '.join(usage)}) but there is no VPC endpoint for "
                     + ", ".join(f"com.amazonaws.{region}.{s}" for s in missing))


@check(id="network.bedrock_vpc_endpoint", title="Bedrock runtime is reached through a VPC endpoint",
       layer="infrastructure", phase="enhanced", severity="medium", api_calls=[EP, *BEDROCK_USAGE_CALLS],
       remediation="Create interface VPC endpoints for bedrock-runtime (and bedrock) in the VPCs that call models.",
       references={"owasp_llm_2025": ["LLM02"]})
def bedrock_vpc_endpoint(ctx: AssessContext, region: str) -> Iterator[Result]:
    yield from _endpoint_check(ctx, region, ("bedrock-runtime",), bedrock_usage(ctx, region), "Bedrock")


@check(id="network.bedrock_agent_vpc_endpoint", title="Bedrock agent runtime is reached through a VPC endpoint",
       layer="infrastructure", phase="advanced", severity="low",
       api_calls=[EP, "bedrock-agent:ListAgents"],
       remediation="Create an interface VPC endpoint for bedrock-agent-runtime where applications invoke agents.",
       references={"owasp_llm_2025": ["LLM06"]})
def bedrock_agent_vpc_endpoint(ctx: AssessContext, region: str) -> Iterator[Result]:
    used = ["agents"] if agent_summaries(ctx, region) else []
    yield from _endpoint_check(ctx, region, ("bedrock-agent-runtime",), used, "Bedrock Agents")


@check(id="network.sagemaker_vpc_endpoints", title="SageMaker API and runtime are reached through VPC endpoints",
       layer="infrastructure", phase="advanced", severity="low", api_calls=[EP, *SAGEMAKER_USAGE_CALLS],
       remediation="Create interface VPC endpoints for sagemaker.api and sagemaker.runtime.",
       references={})
def sagemaker_vpc_endpoints(ctx: AssessContext, region: str) -> Iterator[Result]:
    yield from _endpoint_check(ctx, region, ("sagemaker.api", "sagemaker.runtime"), sagemaker_usage(ctx, region),
                               "SageMaker")


@check(id="network.bedrock_endpoint_policy", title="Bedrock VPC endpoints have a restrictive endpoint policy",
       layer="infrastructure", phase="advanced", severity="low", api_calls=[EP],
       remediation="Replace the default full-access endpoint policy with one allowing only your principals "
                   "(aws:PrincipalAccount) and approved models.",
       references={"owasp_llm_2025": ["LLM10"]})
def bedrock_endpoint_policy(ctx: AssessContext, region: str) -> Iterator[Result]:
    by_service = endpoints(ctx, region)
    eps = [e for s in ("bedrock-runtime", "bedrock", "bedrock-agent-runtime") for e in by_service.get(s, [])]
    if not eps:
        yield not_applicable("no Bedrock VPC endpoints")
        return
    for e in eps:
        doc = load_document(e.get("PolicyDocument"))
        loose = [s for s in statements(doc) if allows(s) and principals(s).wildcard
                 and "*" in [str(a) for a in as_list(s.get("Action"))] and not s.get("Condition")]
        arn = f"arn:aws:ec2:{region}:{ctx.account}:vpc-endpoint/{e['VpcEndpointId']}"
        if doc is None or loose:
            yield failed("default full-access policy: any principal may call any Bedrock action through it", arn)
        else:
            yield passed("restrictive endpoint policy", arn)
