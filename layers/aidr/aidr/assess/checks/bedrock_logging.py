"""Bedrock model invocation logging: on in every region that uses Bedrock, with text, encryption and retention."""

from __future__ import annotations

from collections.abc import Iterator

from ..collect import BEDROCK_USAGE_CALLS, bedrock_usage, logging_config
from ..context import AssessContext
from ..model import Result, failed, not_applicable, passed
from ..registry import check
from ._common import bucket_arn

GET_LOGGING = "bedrock:GetModelInvocationLoggingConfiguration"
MIN_RETENTION_DAYS = 90


@check(id="bedrock.invocation_logging_enabled", title="Bedrock model invocation logging is on where Bedrock is used",
       layer="identity-data", phase="foundational", severity="high", api_calls=[GET_LOGGING, *BEDROCK_USAGE_CALLS],
       remediation="Turn on model invocation logging (PutModelInvocationLoggingConfiguration) to CloudWatch Logs "
                   "and/or S3 in every region that uses Bedrock.",
       references={"owasp_llm_2025": ["LLM10"], "mitre_atlas": ["AML.T0040"]})
def invocation_logging_enabled(ctx: AssessContext, region: str) -> Iterator[Result]:
    cfg = logging_config(ctx, region)
    if cfg and (cfg.get("cloudWatchConfig") or cfg.get("s3Config")):
        dest = [k for k in ("cloudWatchConfig", "s3Config") if cfg.get(k)]
        yield passed("invocation logging delivers to " + " and ".join(d.replace("Config", "") for d in dest))
        return
    usage = bedrock_usage(ctx, region)
    if usage:
        yield failed(f"Bedrock is used ({', '.join(usage)}) but model invocation logging is off", exposure=2)
    else:
        yield not_applicable("Bedrock is not used")


def _config_or_na(ctx: AssessContext, region: str) -> dict | None:
    cfg = logging_config(ctx, region)
    return cfg if cfg and (cfg.get("cloudWatchConfig") or cfg.get("s3Config")) else None


@check(id="bedrock.invocation_logging_text", title="Invocation logging records prompt and response text",
       layer="identity-data", phase="foundational", severity="medium", api_calls=[GET_LOGGING],
       remediation="Set textDataDeliveryEnabled to true in the model invocation logging configuration so prompts "
                   "and responses can be investigated.",
       references={"owasp_llm_2025": ["LLM01", "LLM02"]})
def invocation_logging_text(ctx: AssessContext, region: str) -> Iterator[Result]:
    cfg = _config_or_na(ctx, region)
    if cfg is None:
        yield not_applicable("invocation logging is off")
    elif cfg.get("textDataDeliveryEnabled"):
        yield passed("text (prompts and responses) is delivered")
    else:
        yield failed("invocation logging does not deliver text: prompts and responses cannot be investigated")


def _log_group(ctx: AssessContext, region: str, name: str) -> dict | None:
    groups = ctx.paginate("logs", region, "describe_log_groups", "logGroups", logGroupNamePrefix=name)
    return next((g for g in groups if g.get("logGroupName") == name), None)


def _cw_destination(ctx: AssessContext, region: str) -> str | None:
    cfg = _config_or_na(ctx, region) or {}
    return (cfg.get("cloudWatchConfig") or {}).get("logGroupName")


@check(id="bedrock.invocation_log_group_encrypted", title="Invocation log group is encrypted with a KMS key",
       layer="identity-data", phase="enhanced", severity="medium",
       api_calls=[GET_LOGGING, "logs:DescribeLogGroups"],
       remediation="Associate a customer managed KMS key with the invocation log group (logs:AssociateKmsKey).",
       references={"owasp_llm_2025": ["LLM02"]})
def invocation_log_group_encrypted(ctx: AssessContext, region: str) -> Iterator[Result]:
    name = _cw_destination(ctx, region)
    if not name:
        yield not_applicable("invocation logs are not delivered to CloudWatch Logs")
        return
    group = _log_group(ctx, region, name)
    arn = f"arn:aws:logs:{region}:{ctx.account}:log-group:{name}"
    if group is None:
        yield failed(f"log group {name} named by the logging configuration does not exist", arn)
    elif group.get("kmsKeyId"):
        yield passed("encrypted with a KMS key", arn)
    else:
        yield failed("log group holding prompts and responses is not encrypted with a KMS key", arn)


@check(id="bedrock.invocation_log_retention", title="Invocation logs are kept long enough, and not forever",
       layer="identity-data", phase="enhanced", severity="low", api_calls=[GET_LOGGING, "logs:DescribeLogGroups"],
       remediation=f"Set a retention of at least {MIN_RETENTION_DAYS} days on the invocation log group "
                   "(logs:PutRetentionPolicy): long enough to investigate, bounded because logs hold prompts.",
       references={"owasp_llm_2025": ["LLM02"]})
def invocation_log_retention(ctx: AssessContext, region: str) -> Iterator[Result]:
    name = _cw_destination(ctx, region)
    if not name:
        yield not_applicable("invocation logs are not delivered to CloudWatch Logs")
        return
    group = _log_group(ctx, region, name)
    arn = f"arn:aws:logs:{region}:{ctx.account}:log-group:{name}"
    days = (group or {}).get("retentionInDays")
    if group is None:
        yield failed(f"log group {name} does not exist", arn)
    elif days is None:
        yield failed("no retention: prompts and responses are kept forever", arn)
    elif days < MIN_RETENTION_DAYS:
        yield failed(f"retention {days} days is shorter than {MIN_RETENTION_DAYS}", arn)
    else:
        yield passed(f"retention {days} days", arn)


@check(id="bedrock.invocation_log_bucket_encrypted", title="Invocation log bucket uses SSE-KMS",
       layer="identity-data", phase="enhanced", severity="medium",
       api_calls=[GET_LOGGING, "s3:GetBucketEncryption"],
       remediation="Set default encryption of the invocation log bucket to SSE-KMS with a customer managed key.",
       references={"securityhub": ["S3.17"], "owasp_llm_2025": ["LLM02"]})
def invocation_log_bucket_encrypted(ctx: AssessContext, region: str) -> Iterator[Result]:
    cfg = _config_or_na(ctx, region) or {}
    bucket = (cfg.get("s3Config") or {}).get("bucketName")
    if not bucket:
        yield not_applicable("invocation logs are not delivered to S3")
        return
    from .s3_data import bucket_kms_problem

    problem = bucket_kms_problem(ctx, bucket)
    yield failed(problem, bucket_arn(bucket)) if problem else passed("SSE-KMS", bucket_arn(bucket))
