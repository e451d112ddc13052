"""CloudTrail: a multi-region trail recording management events (encrypted, validated), and data events for
Bedrock agents, knowledge bases and guardrails and for AI data buckets."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..collect import BEDROCK_USAGE_CALLS, SAGEMAKER_USAGE_CALLS, ai_regions, bedrock_regions
from ..context import AssessContext
from ..model import Result, failed, not_applicable, passed
from ..registry import check
from ._common import evaluate

TRAIL_CALLS = ("cloudtrail:DescribeTrails", "cloudtrail:GetTrailStatus", "cloudtrail:GetEventSelectors")
# CloudTrail data event resource types of Bedrock (CloudTrail user guide, "Logging data events").
BEDROCK_DATA_TYPES = frozenset({
    "AWS::Bedrock::AgentAlias", "AWS::Bedrock::FlowAlias", "AWS::Bedrock::Guardrail", "AWS::Bedrock::InlineAgent",
    "AWS::Bedrock::KnowledgeBase", "AWS::Bedrock::Model", "AWS::Bedrock::AsyncInvoke", "AWS::Bedrock::PromptVersion",
})


def trails(ctx: AssessContext) -> list[dict[str, Any]]:
    """Every trail visible from the home region, with ``_status`` and ``_selectors`` added."""
    def load() -> list[dict[str, Any]]:
        ct = ctx.client("cloudtrail")
        out = []
        for t in ct.describe_trails(includeShadowTrails=True).get("trailList") or []:
            home = t.get("HomeRegion") or ctx.home_region
            c = ctx.client("cloudtrail", home)
            t = dict(t, _status=c.get_trail_status(Name=t["TrailARN"]),
                     _selectors=c.get_event_selectors(TrailName=t["TrailARN"]))
            out.append(t)
        return out
    return ctx.memo(("trails",), load)


def _management_all(t: dict[str, Any]) -> bool:
    sel = t["_selectors"]
    if any(s.get("IncludeManagementEvents", True) and s.get("ReadWriteType", "All") == "All"
           for s in sel.get("EventSelectors") or []):
        return True
    for adv in sel.get("AdvancedEventSelectors") or []:
        fields = {f.get("Field"): f for f in adv.get("FieldSelectors") or []}
        if "Management" in (fields.get("eventCategory") or {}).get("Equals", []) and "readOnly" not in fields:
            return True
    return False


def _logging(t: dict[str, Any]) -> bool:
    return bool(t["_status"].get("IsLogging"))


def _recording(ctx: AssessContext) -> list[dict[str, Any]]:
    return [t for t in trails(ctx) if _logging(t) and _management_all(t)]


def _gate(ctx: AssessContext) -> bool:
    return bool(ai_regions(ctx))


@check(id="cloudtrail.multi_region_management_events",
       title="A multi-region trail records all management events", layer="identity-data", phase="foundational",
       severity="high", scope="account", api_calls=[*TRAIL_CALLS, *BEDROCK_USAGE_CALLS, *SAGEMAKER_USAGE_CALLS],
       remediation="Create a multi-region trail (or organization trail) logging read and write management events.",
       references={"securityhub": ["CloudTrail.1"], "mitre_atlas": ["AML.T0040"]})
def multi_region_management_events(ctx: AssessContext, region: str) -> Iterator[Result]:
    good = [t for t in _recording(ctx) if t.get("IsMultiRegionTrail")]
    if good:
        yield passed("recording management events", good[0]["TrailARN"])
    elif not _gate(ctx):
        yield not_applicable("no AI services used")
    else:
        yield failed("no logging multi-region trail records read and write management events: Bedrock and "
                     "SageMaker control-plane calls are not audited", exposure=2)


@check(id="cloudtrail.trail_encrypted", title="Trails are encrypted with a KMS key", layer="identity-data",
       phase="enhanced", severity="medium", scope="account", api_calls=TRAIL_CALLS,
       remediation="Set KmsKeyId on the trail.", references={"securityhub": ["CloudTrail.2"]})
def trail_encrypted(ctx: AssessContext, region: str) -> Iterator[Result]:
    yield from evaluate(_recording(ctx), none="no trail records management events", resource=lambda t: t["TrailARN"],
                        problem=lambda t: None if t.get("KmsKeyId") else "log files are not encrypted with a KMS key",
                        ok="SSE-KMS")


@check(id="cloudtrail.log_file_validation", title="Trails validate log file integrity", layer="identity-data",
       phase="enhanced", severity="medium", scope="account", api_calls=TRAIL_CALLS,
       remediation="Enable log file validation on the trail.", references={"securityhub": ["CloudTrail.4"]})
def log_file_validation(ctx: AssessContext, region: str) -> Iterator[Result]:
    yield from evaluate(_recording(ctx), none="no trail records management events", resource=lambda t: t["TrailARN"],
                        problem=lambda t: None if t.get("LogFileValidationEnabled") else "log file validation off",
                        ok="log file validation on")


def _data_types(t: dict[str, Any]) -> set[str]:
    types: set[str] = set()
    sel = t["_selectors"]
    for s in sel.get("EventSelectors") or []:
        types |= {d.get("Type") for d in s.get("DataResources") or []}
    for adv in sel.get("AdvancedEventSelectors") or []:
        for f in adv.get("FieldSelectors") or []:
            if f.get("Field") == "resources.type":
                types |= set(f.get("Equals") or [])
    return types


@check(id="cloudtrail.bedrock_data_events", title="Bedrock data events (agents, knowledge bases, guardrails) are "
       "recorded", layer="identity-data", phase="advanced", severity="medium", scope="account",
       api_calls=[*TRAIL_CALLS, *BEDROCK_USAGE_CALLS],
       remediation="Add advanced event selectors for Bedrock data events (resources.type AWS::Bedrock::AgentAlias, "
                   "AWS::Bedrock::KnowledgeBase, AWS::Bedrock::Guardrail, ...) to a logging trail.",
       references={"owasp_llm_2025": ["LLM01", "LLM06"], "mitre_atlas": ["AML.T0051"]})
def bedrock_data_events(ctx: AssessContext, region: str) -> Iterator[Result]:
    logging = [t for t in trails(ctx) if _logging(t) and _data_types(t) & BEDROCK_DATA_TYPES]
    if logging:
        types = sorted(_data_types(logging[0]) & BEDROCK_DATA_TYPES)
        yield passed("records " + ", ".join(types), logging[0]["TrailARN"])
    elif not bedrock_regions(ctx):
        yield not_applicable("Bedrock is not used")
    else:
        yield failed("no logging trail records Bedrock data events (InvokeAgent, Retrieve, ApplyGuardrail)",
                     exposure=2)


@check(id="cloudtrail.ai_bucket_data_events", title="S3 data events are recorded for AI data buckets",
       layer="identity-data", phase="advanced", severity="medium", scope="account",
       api_calls=[*TRAIL_CALLS, "bedrock:GetModelInvocationLoggingConfiguration", "sagemaker:ListTrainingJobs",
                  "sagemaker:DescribeTrainingJob", "bedrock-agent:ListKnowledgeBases", "bedrock-agent:ListDataSources",
                  "bedrock-agent:GetDataSource", "bedrock:ListCustomModels", "bedrock:GetCustomModel"],
       remediation="Log S3 data events (write at least) for training, knowledge-base and model artifact buckets.",
       references={"owasp_llm_2025": ["LLM04"], "mitre_atlas": ["AML.T0020"]})
def ai_bucket_data_events(ctx: AssessContext, region: str) -> Iterator[Result]:
    from .s3_data import ai_buckets

    buckets = sorted(ai_buckets(ctx))
    logging = [t for t in trails(ctx) if _logging(t)]

    def covered(bucket: str) -> bool:
        for t in logging:
            sel = t["_selectors"]
            for s in sel.get("EventSelectors") or []:
                for d in s.get("DataResources") or []:
                    if d.get("Type") == "AWS::S3::Object" and any(
                            v in ("arn:aws:s3", "arn:aws:s3:::") or v.startswith(f"arn:aws:s3:::{bucket}/")
                            for v in d.get("Values") or []):
                        return True
            for adv in sel.get("AdvancedEventSelectors") or []:
                f = {x.get("Field"): x for x in adv.get("FieldSelectors") or []}
                if "AWS::S3::Object" in (f.get("resources.type") or {}).get("Equals", []):
                    arns = f.get("resources.ARN")
                    if arns is None or any(f"arn:aws:s3:::{bucket}" in v for v in arns.get("StartsWith", [])
                                           + arns.get("Equals", [])):
                        return True
        return False
    yield from evaluate(buckets, none="no AI data buckets found", resource=lambda b: f"arn:aws:s3:::{b}",
                        problem=lambda b: None if covered(b) else "no logging trail records its object-level events",
                        ok="object-level events recorded")
