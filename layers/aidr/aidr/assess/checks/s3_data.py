"""S3 buckets holding AI data: training inputs and artifacts, knowledge-base sources, customization data,
invocation logs and the configured ``protected_data_buckets``. Public access, encryption, versioning, object lock
(for training and knowledge data, where tampering poisons a model), TLS only.

Only buckets this account owns are assessed (``ListBuckets``): a training job may read another account's bucket
(JumpStart's ``jumpstart-cache-prod-<region>``), whose settings are its owner's to fix. An error on one bucket makes
that bucket COULD_NOT_ASSESS; the others are still assessed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from ...aws import error_code
from .. import collect
from ..context import AssessContext
from ..errors import reason_for
from ..model import Result, could_not_assess, failed, not_applicable, passed
from ..registry import check
from ._common import bucket_arn, bucket_of

# Reasons that make a bucket hold data a model learns from or retrieves (object lock is appropriate there).
TRAINING_REASONS = frozenset({"protected data bucket", "training input", "knowledge-base source",
                              "customization data"})
AI_BUCKET_CALLS = ("bedrock:GetModelInvocationLoggingConfiguration", "sagemaker:ListTrainingJobs",
                   "sagemaker:DescribeTrainingJob", "bedrock-agent:ListKnowledgeBases",
                   "bedrock-agent:ListDataSources", "bedrock-agent:GetDataSource", "bedrock:ListCustomModels",
                   "bedrock:GetCustomModel")
BPA_KEYS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
LIST_BUCKETS = "s3:ListBuckets"


def ai_buckets(ctx: AssessContext) -> dict[str, set[str]]:
    """Bucket name -> why it is AI data. Raises when no source could be read and none was found."""
    def load() -> dict[str, set[str]]:
        found: dict[str, set[str]] = {b: {"protected data bucket"} for b in ctx.protected_buckets}
        errors: list[Exception] = []

        def add(uri: str | None, why: str) -> None:
            if b := (uri if uri and "/" not in uri and ":" not in uri else bucket_of(uri)):
                found.setdefault(b, set()).add(why)

        for region in ctx.regions:
            sources: list[tuple[str, Any]] = [
                ("logging", lambda r=region: collect.logging_config(ctx, r)),
                ("training", lambda r=region: collect.training_jobs(ctx, r)),
                ("kb", lambda r=region: collect.data_sources(ctx, r)),
                ("custom", lambda r=region: collect.custom_models(ctx, r)),
            ]
            for kind, load_source in sources:
                try:
                    value = load_source()
                except Exception as e:  # other sources may still name buckets
                    errors.append(e)
                    continue
                if kind == "logging" and value:
                    add((value.get("s3Config") or {}).get("bucketName"), "invocation logs")
                    # Prompts and responses too large for CloudWatch Logs (over 100 KB, binary data) land here.
                    add(((value.get("cloudWatchConfig") or {}).get("largeDataDeliveryS3Config") or {})
                        .get("bucketName"), "invocation logs")
                elif kind == "training":
                    for job in value:
                        for ch in job.get("InputDataConfig") or []:
                            add(ch.get("DataSource", {}).get("S3DataSource", {}).get("S3Uri"), "training input")
                        add((job.get("OutputDataConfig") or {}).get("S3OutputPath"), "model artifacts")
                elif kind == "kb":
                    for ds in value:
                        s3 = (ds.get("dataSourceConfiguration") or {}).get("s3Configuration") or {}
                        add(s3.get("bucketArn"), "knowledge-base source")
                elif kind == "custom":
                    for m in value:
                        add((m.get("trainingDataConfig") or {}).get("s3Uri"), "customization data")
                        add((m.get("outputDataConfig") or {}).get("s3Uri"), "model artifacts")
        if not found and errors:
            raise errors[0]
        return found
    return ctx.memo(("ai_buckets",), load)


def _each_bucket(ctx: AssessContext, only: frozenset[str] | None = None) -> list[str] | None:
    buckets = ai_buckets(ctx)
    names = sorted(b for b, why in buckets.items() if only is None or why & only)
    return names or None


def bucket_kms_problem(ctx: AssessContext, bucket: str) -> str | None:
    """Why ``bucket``'s default encryption is not SSE-KMS, or None."""
    try:
        rules = ctx.client("s3").get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    except ClientError as e:
        if error_code(e) == "ServerSideEncryptionConfigurationNotFoundError":
            return "no default encryption configured"
        raise
    algos = {r.get("ApplyServerSideEncryptionByDefault", {}).get("SSEAlgorithm") for r in rules}
    if algos & {"aws:kms", "aws:kms:dsse"}:
        return None
    return "default encryption uses S3-managed keys (SSE-S3), not a KMS key you control"


def own_buckets(ctx: AssessContext) -> set[str] | None:
    """Names of the buckets this account owns, or None when they cannot be listed (then every bucket is tried)."""
    def load() -> set[str] | None:
        try:
            return {b["Name"] for b in ctx.paginate("s3", ctx.home_region, "list_buckets", "Buckets")}
        except (ClientError, BotoCoreError):
            return None
    return ctx.memo(("own_buckets",), load)


def _bucket_checks(ctx: AssessContext, none: str, fn: Any, only: frozenset[str] | None = None) -> Iterator[Result]:
    names = _each_bucket(ctx, only)
    if not names:
        yield not_applicable(none)
        return
    own = own_buckets(ctx)
    for b in names:
        if own is not None and b not in own:
            yield not_applicable("not a bucket of this account (another account's bucket, such as JumpStart's "
                                 "jumpstart-cache-prod-<region>, or a deleted one): its owner assesses it",
                                 bucket_arn(b))
            continue
        try:
            yield from fn(b)
        except ClientError as e:
            if error_code(e) == "NoSuchBucket":
                yield not_applicable("bucket does not exist", bucket_arn(b))
            else:
                yield could_not_assess(reason_for(e), bucket_arn(b))
        except BotoCoreError as e:
            yield could_not_assess(reason_for(e), bucket_arn(b))


def account_bpa(ctx: AssessContext) -> dict[str, bool] | None:
    def load() -> dict[str, bool] | None:
        try:
            return ctx.client("s3control").get_public_access_block(AccountId=ctx.account)[
                "PublicAccessBlockConfiguration"]
        except ClientError as e:
            if error_code(e) == "NoSuchPublicAccessBlockConfiguration":
                return None
            raise
    return ctx.memo(("account_bpa",), load)


@check(id="s3.account_public_access_block", title="S3 Block Public Access is on for the account",
       layer="identity-data", phase="foundational", severity="high", scope="account",
       api_calls=["s3control:GetPublicAccessBlock", *AI_BUCKET_CALLS],
       remediation="Turn on all four S3 Block Public Access settings at the account level.",
       references={"securityhub": ["S3.1"], "owasp_llm_2025": ["LLM02", "LLM04"], "mitre_atlas": ["AML.T0020"]})
def account_public_access_block(ctx: AssessContext, region: str) -> Iterator[Result]:
    if not _each_bucket(ctx):
        yield not_applicable("no AI data buckets found")
        return
    cfg = account_bpa(ctx)
    missing = [k for k in BPA_KEYS if not (cfg or {}).get(k)]
    if missing:
        yield failed("account-level Block Public Access is missing " + ", ".join(missing), exposure=3)
    else:
        yield passed("all four account-level Block Public Access settings are on")


@check(id="s3.ai_bucket_public_access_block", title="AI data buckets block public access",
       layer="identity-data", phase="foundational", severity="high", scope="account",
       api_calls=["s3:GetPublicAccessBlock", "s3control:GetPublicAccessBlock", *AI_BUCKET_CALLS, LIST_BUCKETS],
       remediation="Turn on all four Block Public Access settings on every bucket holding training, "
                   "knowledge-base or log data (or at the account level).",
       references={"securityhub": ["S3.8"], "owasp_llm_2025": ["LLM02", "LLM04"], "mitre_atlas": ["AML.T0020"]})
def ai_bucket_public_access_block(ctx: AssessContext, region: str) -> Iterator[Result]:
    def one(b: str) -> Iterator[Result]:
        try:
            cfg = ctx.client("s3").get_public_access_block(Bucket=b)["PublicAccessBlockConfiguration"]
        except ClientError as e:
            if error_code(e) != "NoSuchPublicAccessBlockConfiguration":
                raise
            cfg = {}
        if all(cfg.get(k) for k in BPA_KEYS):
            yield passed("bucket-level Block Public Access is on", bucket_arn(b))
        elif all((account_bpa(ctx) or {}).get(k) for k in BPA_KEYS):
            yield passed("covered by account-level Block Public Access", bucket_arn(b))
        else:
            yield failed("Block Public Access is not fully on for the bucket or the account", bucket_arn(b), 3)
    yield from _bucket_checks(ctx, "no AI data buckets found", one)


@check(id="s3.ai_bucket_not_public", title="AI data buckets are not public by policy",
       layer="identity-data", phase="foundational", severity="critical", scope="account",
       api_calls=["s3:GetBucketPolicyStatus", *AI_BUCKET_CALLS, LIST_BUCKETS],
       remediation="Remove statements that grant access to everyone from the bucket policy.",
       references={"owasp_llm_2025": ["LLM02", "LLM04"], "mitre_atlas": ["AML.T0020"]})
def ai_bucket_not_public(ctx: AssessContext, region: str) -> Iterator[Result]:
    def one(b: str) -> Iterator[Result]:
        try:
            public = ctx.client("s3").get_bucket_policy_status(Bucket=b)["PolicyStatus"].get("IsPublic")
        except ClientError as e:
            if error_code(e) != "NoSuchBucketPolicy":
                raise
            public = False
        if public:
            yield failed("the bucket policy makes the bucket public", bucket_arn(b), 3)
        else:
            yield passed("not public by policy", bucket_arn(b))
    yield from _bucket_checks(ctx, "no AI data buckets found", one)


@check(id="s3.ai_bucket_encryption_kms", title="AI data buckets are encrypted with KMS keys",
       layer="identity-data", phase="enhanced", severity="medium", scope="account",
       api_calls=["s3:GetBucketEncryption", *AI_BUCKET_CALLS, LIST_BUCKETS],
       remediation="Set default encryption to SSE-KMS with a customer managed key on AI data buckets.",
       references={"securityhub": ["S3.17"], "owasp_llm_2025": ["LLM02"]})
def ai_bucket_encryption_kms(ctx: AssessContext, region: str) -> Iterator[Result]:
    def one(b: str) -> Iterator[Result]:
        problem = bucket_kms_problem(ctx, b)
        yield failed(problem, bucket_arn(b)) if problem else passed("SSE-KMS", bucket_arn(b))
    yield from _bucket_checks(ctx, "no AI data buckets found", one)


@check(id="s3.ai_bucket_versioning", title="AI data buckets keep object versions",
       layer="identity-data", phase="enhanced", severity="medium", scope="account",
       api_calls=["s3:GetBucketVersioning", *AI_BUCKET_CALLS, LIST_BUCKETS],
       remediation="Enable versioning so overwritten or deleted training data can be recovered and compared.",
       references={"owasp_llm_2025": ["LLM04"], "mitre_atlas": ["AML.T0020"]})
def ai_bucket_versioning(ctx: AssessContext, region: str) -> Iterator[Result]:
    def one(b: str) -> Iterator[Result]:
        status = ctx.client("s3").get_bucket_versioning(Bucket=b).get("Status")
        if status == "Enabled":
            yield passed("versioning enabled", bucket_arn(b))
        else:
            yield failed(f"versioning is {status or 'never enabled'}", bucket_arn(b))
    yield from _bucket_checks(ctx, "no AI data buckets found", one)


@check(id="s3.training_bucket_object_lock", title="Training and knowledge-base buckets use Object Lock",
       layer="identity-data", phase="advanced", severity="low", scope="account",
       api_calls=["s3:GetObjectLockConfiguration", *AI_BUCKET_CALLS, LIST_BUCKETS],
       remediation="Create training and knowledge-base data buckets with Object Lock (governance mode) so "
                   "approved datasets cannot be silently replaced.",
       references={"owasp_llm_2025": ["LLM04"], "mitre_atlas": ["AML.T0020"]})
def training_bucket_object_lock(ctx: AssessContext, region: str) -> Iterator[Result]:
    def one(b: str) -> Iterator[Result]:
        try:
            cfg = ctx.client("s3").get_object_lock_configuration(Bucket=b)["ObjectLockConfiguration"]
        except ClientError as e:
            if error_code(e) != "ObjectLockConfigurationNotFoundError":
                raise
            cfg = {}
        if cfg.get("ObjectLockEnabled") == "Enabled":
            yield passed("Object Lock enabled", bucket_arn(b))
        else:
            yield failed("Object Lock is not enabled", bucket_arn(b))
    yield from _bucket_checks(ctx, "no training or knowledge-base buckets found", one, TRAINING_REASONS)


@check(id="s3.ai_bucket_tls_only", title="AI data buckets refuse requests without TLS",
       layer="identity-data", phase="enhanced", severity="low", scope="account",
       api_calls=["s3:GetBucketPolicy", *AI_BUCKET_CALLS, LIST_BUCKETS],
       remediation="Add a bucket policy statement denying s3:* when aws:SecureTransport is false.",
       references={"securityhub": ["S3.5"]})
def ai_bucket_tls_only(ctx: AssessContext, region: str) -> Iterator[Result]:
    from ...normalize.iam_policy import load_document, statements

    def one(b: str) -> Iterator[Result]:
        try:
            doc = load_document(ctx.client("s3").get_bucket_policy(Bucket=b)["Policy"])
        except ClientError as e:
            if error_code(e) != "NoSuchBucketPolicy":
                raise
            doc = None
        denies = any(str(s.get("Effect")).lower() == "deny" and "aws:securetransport" in str(s.get("Condition"))
                     .lower() for s in statements(doc))
        yield passed("policy denies non-TLS requests", bucket_arn(b)) if denies else failed(
            "no policy statement denies requests without TLS", bucket_arn(b))
    yield from _bucket_checks(ctx, "no AI data buckets found", one)
