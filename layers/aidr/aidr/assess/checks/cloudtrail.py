"""CloudTrail: a multi-region trail recording management events (encrypted, validated), and data events for
Bedrock agents, knowledge bases and guardrails (in every region that uses Bedrock) and for AI data buckets.

A trail whose status or selectors cannot be read (an organization trail owned by the management account refuses
GetTrailStatus and GetEventSelectors in member accounts) gets its own COULD_NOT_ASSESS where it might have made the
difference; the other trails are still assessed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from ..collect import BEDROCK_USAGE_CALLS, SAGEMAKER_USAGE_CALLS, ai_regions, bedrock_regions
from ..context import AssessContext
from ..errors import reason_for
from ..model import Result, could_not_assess, failed, not_applicable, passed
from ..registry import check
from ._common import evaluate

TRAIL_CALLS = ("cloudtrail:DescribeTrails", "cloudtrail:GetTrailStatus", "cloudtrail:GetEventSelectors")
# CloudTrail data event resource types of Bedrock (CloudTrail user guide, "Logging data events").
BEDROCK_DATA_TYPES = frozenset({
    "AWS::Bedrock::AgentAlias", "AWS::Bedrock::FlowAlias", "AWS::Bedrock::Guardrail", "AWS::Bedrock::InlineAgent",
    "AWS::Bedrock::KnowledgeBase", "AWS::Bedrock::Model", "AWS::Bedrock::AsyncInvoke", "AWS::Bedrock::PromptVersion",
})


def trails(ctx: AssessContext) -> list[dict[str, Any]]:
    """Every trail visible from the home region, with ``_status`` and ``_selectors`` added, or ``_error`` (why they
    could not be read) for a trail that refused either call."""
    def load() -> list[dict[str, Any]]:
        ct = ctx.client("cloudtrail")
        out = []
        for t in ct.describe_trails(includeShadowTrails=True).get("trailList") or []:
            home = t.get("HomeRegion") or ctx.home_region
            c = ctx.client("cloudtrail", home)
            try:
                t = dict(t, _status=c.get_trail_status(Name=t["TrailARN"]),
                         _selectors=c.get_event_selectors(TrailName=t["TrailARN"]))
            except (ClientError, BotoCoreError) as e:  # one unreadable trail must not hide the others
                t = dict(t, _error=_unreadable(ctx, t, e))
            out.append(t)
        return out
    return ctx.memo(("trails",), load)


def _unreadable(ctx: AssessContext, t: dict[str, Any], e: Exception) -> str:
    owner = str(t.get("TrailARN", "")).split(":")[4:5]
    if owner and owner[0] != ctx.account:
        org = "organization trail" if t.get("IsOrganizationTrail") else "trail"
        return (f"{org} owned by account {owner[0]}: its status and event selectors cannot be read from this "
                f"account ({reason_for(e)}); assess it from account {owner[0]}")
    return f"trail status or event selectors could not be read: {reason_for(e)}"


def _readable(ctx: AssessContext) -> list[dict[str, Any]]:
    return [t for t in trails(ctx) if "_error" not in t]


def _unread(ctx: AssessContext) -> list[dict[str, Any]]:
    return [t for t in trails(ctx) if "_error" in t]


def _covers_region(t: dict[str, Any], region: str) -> bool:
    """A single-region trail records only in its home region."""
    return bool(t.get("IsMultiRegionTrail")) or t.get("HomeRegion") == region


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
    return [t for t in _readable(ctx) if _logging(t) and _management_all(t)]


def _gate(ctx: AssessContext) -> bool:
    return bool(ai_regions(ctx))


@check(id="cloudtrail.multi_region_management_events",
       title="A multi-region trail records all management events", layer="identity-data", phase="foundational",
       severity="high", scope="account", api_calls=[*TRAIL_CALLS, *BEDROCK_USAGE_CALLS, *SAGEMAKER_USAGE_CALLS],
       remediation="Create a multi-region trail (or organization trail) logging read and write management events.",
       references={"securityhub": ["CloudTrail.1"], "mitre_atlas": ["AML.T0040"]})
def multi_region_management_events(ctx: AssessContext, region: str) -> Iterator[Result]:
    good = [t for t in _recording(ctx) if t.get("IsMultiRegionTrail")]
    unread = [t for t in _unread(ctx) if t.get("IsMultiRegionTrail")]
    if good:
        yield passed("recording management events", good[0]["TrailARN"])
    elif not _gate(ctx):
        yield not_applicable("no AI services used")
    elif unread:
        for t in unread:
            yield could_not_assess(t["_error"], t["TrailARN"])
    else:
        yield failed("no logging multi-region trail records read and write management events: Bedrock and "
                     "SageMaker control-plane calls are not audited", exposure=2)


@check(id="cloudtrail.trail_encrypted", title="Trails are encrypted with a KMS key", layer="identity-data",
       phase="enhanced", severity="medium", scope="account", api_calls=TRAIL_CALLS,
       remediation="Set KmsKeyId on the trail.", references={"securityhub": ["CloudTrail.2"]})
def trail_encrypted(ctx: AssessContext, region: str) -> Iterator[Result]:
    # Unreadable trails too: DescribeTrails shows their encryption even when their status cannot be read.
    yield from evaluate([*_recording(ctx), *_unread(ctx)], none="no trail records management events",
                        resource=lambda t: t["TrailARN"],
                        problem=lambda t: None if t.get("KmsKeyId") else "log files are not encrypted with a KMS key",
                        ok="SSE-KMS")


@check(id="cloudtrail.log_file_validation", title="Trails validate log file integrity", layer="identity-data",
       phase="enhanced", severity="medium", scope="account", api_calls=TRAIL_CALLS,
       remediation="Enable log file validation on the trail.", references={"securityhub": ["CloudTrail.4"]})
def log_file_validation(ctx: AssessContext, region: str) -> Iterator[Result]:
    yield from evaluate([*_recording(ctx), *_unread(ctx)], none="no trail records management events",
                        resource=lambda t: t["TrailARN"],
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
    logging = [t for t in _readable(ctx) if _logging(t) and _data_types(t) & BEDROCK_DATA_TYPES]

    def records(t: dict[str, Any]) -> str:
        return "records " + ", ".join(sorted(_data_types(t) & BEDROCK_DATA_TYPES))
    everywhere = [t for t in logging if t.get("IsMultiRegionTrail")]
    if everywhere:
        yield passed(records(everywhere[0]) + " in every region", everywhere[0]["TrailARN"])
        return
    used = bedrock_regions(ctx)
    if not used:
        yield not_applicable("Bedrock is not used")
    for r in used:
        here = [t for t in logging if _covers_region(t, r)]
        unread = [t for t in _unread(ctx) if _covers_region(t, r)]
        if here:
            yield passed(f"{r}: {records(here[0])}", here[0]["TrailARN"], region=r)
        elif unread:
            yield could_not_assess(f"{r}: {unread[0]['_error']}", unread[0]["TrailARN"], region=r)
        else:
            yield failed(f"{r}: Bedrock is used but no logging trail records its data events (InvokeAgent, "
                         "Retrieve, ApplyGuardrail) there; a single-region trail covers only its home region",
                         exposure=2, region=r)


def _matches(fs: dict[str, Any] | None, value: str) -> bool:
    """Whether an advanced field selector lets ``value`` through (positive operators ORed, exclusions ANDed)."""
    if not fs:
        return True
    positive = [*(v == value for v in fs.get("Equals") or []),
                *(value.startswith(v) for v in fs.get("StartsWith") or []),
                *(value.endswith(v) for v in fs.get("EndsWith") or [])]
    if positive and not any(positive):
        return False
    return not (value in (fs.get("NotEquals") or []) or any(value.startswith(v) for v in fs.get("NotStartsWith") or [])
                or any(value.endswith(v) for v in fs.get("NotEndsWith") or []))


def _all_objects(fs: dict[str, Any] | None, root: str) -> bool:
    """Whether a ``resources.ARN`` field selector lets through every object ARN under ``root`` (``...:::bucket/``).

    Only a StartsWith value that is a prefix of ``root`` includes them all (Equals and EndsWith name some objects);
    any exclusion that can match an object of the bucket leaves its events unrecorded.
    """
    if not fs:
        return True
    if (fs.get("Equals") or fs.get("StartsWith") or fs.get("EndsWith")) and not any(
            root.startswith(v) for v in fs.get("StartsWith") or []):
        return False
    return not (any(v.startswith(root) for v in fs.get("NotEquals") or [])
                or any(v.startswith(root) or root.startswith(v) for v in fs.get("NotStartsWith") or [])
                or any(fs.get("NotEndsWith") or []))


def s3_writes_recorded(selectors: dict[str, Any], bucket: str) -> bool:
    """Whether event ``selectors`` (a GetEventSelectors response) record write data events on every object of
    ``bucket``.

    Basic selectors: an AWS::S3::Object value that is a prefix of ``arn:aws:s3:::<bucket>/`` (``arn:aws:s3`` is
    every bucket), ReadWriteType All or WriteOnly. Advanced selectors: resources.type AWS::S3::Object, readOnly
    letting ``false`` through, resources.ARN per :func:`_all_objects`.

    Examples
    --------
    >>> s3_writes_recorded({"EventSelectors": [{"DataResources": [
    ...     {"Type": "AWS::S3::Object", "Values": ["arn:aws:s3:::data/train/"]}]}]}, "data")
    False
    >>> s3_writes_recorded({"AdvancedEventSelectors": [{"FieldSelectors": [
    ...     {"Field": "eventCategory", "Equals": ["Data"]}, {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
    ...     {"Field": "resources.ARN", "StartsWith": ["arn:aws:s3:::data/"]}]}]}, "data")
    True
    """
    root = f"arn:aws:s3:::{bucket}/"
    for s in selectors.get("EventSelectors") or []:
        if s.get("ReadWriteType", "All") not in ("All", "WriteOnly"):
            continue
        for d in s.get("DataResources") or []:
            if d.get("Type") == "AWS::S3::Object" and any(v and root.startswith(v) for v in d.get("Values") or []):
                return True
    for adv in selectors.get("AdvancedEventSelectors") or []:
        f = {x.get("Field"): x for x in adv.get("FieldSelectors") or []}
        if ("AWS::S3::Object" in (f.get("resources.type") or {}).get("Equals", [])
                and _matches(f.get("readOnly"), "false") and _all_objects(f.get("resources.ARN"), root)):
            return True
    return False


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
    logging = [t for t in _readable(ctx) if _logging(t)]
    unread = _unread(ctx)
    if not buckets:
        yield not_applicable("no AI data buckets found")
    for b in buckets:
        hit = next((t for t in logging if s3_writes_recorded(t["_selectors"], b)), None)
        if hit:
            yield passed("object-level write events recorded", f"arn:aws:s3:::{b}")
        elif unread:
            yield could_not_assess(f"no readable trail records its object-level write events; {unread[0]['_error']}",
                                   f"arn:aws:s3:::{b}")
        else:
            yield failed("no logging trail records write events on all its objects (a prefix of the bucket, "
                         "read-only selectors and exclusions do not count)", f"arn:aws:s3:::{b}")
