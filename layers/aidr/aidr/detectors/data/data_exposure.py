"""AI data buckets opened to the public or to other accounts: bucket policies, ACLs, public access blocks."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from ...findings.model import Finding, Resource
from ...inventory import bucket_reasons, known_ai_buckets
from ...normalize.cloudtrail import ApiCall
from ...normalize.iam_policy import (
    allows,
    as_list,
    load_document,
    principals,
    restricting_conditions,
    statements,
)
from ..context import DetectContext
from ..patterns import api_calls
from ..registry import DetectorMeta, detector
from .common import FUNCTION, SERVICE, bucket_of, is_trusted, temper, xml_fields

POLICY_CALLS = ("PutBucketPolicy", "DeleteBucketPolicy")
ACL_CALLS = ("PutBucketAcl", "PutObjectAcl")
# Object writes carry an ACL in x-amz-acl / x-amz-grant-* headers: `aws s3 cp s3://b/k s3://b/k --acl public-read`
# opens an object in place (BlockPublicAcls: "PUT Object calls fail if the request includes a public ACL").
OBJECT_WRITE_CALLS = ("PutObject", "CopyObject")
BLOCK_CALLS = ("PutBucketPublicAccessBlock", "DeleteBucketPublicAccessBlock")
# Replication copies every new object to its destination, in another account if the rule says so (T1537).
REPLICATION_CALLS = ("PutBucketReplication",)
ACCOUNT_BLOCK_CALLS = ("PutAccountPublicAccessBlock", "DeleteAccountPublicAccessBlock")
BLOCK_SETTINGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
PUBLIC_CANNED_ACLS = frozenset({"public-read", "public-read-write", "authenticated-read"})
PUBLIC_GRANTEES = ("acs.amazonaws.com/groups/global/AllUsers", "acs.amazonaws.com/groups/global/AuthenticatedUsers")


@detector(
    id="s3.ai_data_exposure",
    title="AI data bucket opened to the public or another account",
    category="data-exposure",
    severity="high",
    phase="foundational",
    techniques=["T1530", "T1098", "AML.T0025"],
    playbook="quarantine-bucket",
    function=FUNCTION,
    events=[api_calls(SERVICE, [*POLICY_CALLS, *ACL_CALLS, *OBJECT_WRITE_CALLS, *BLOCK_CALLS,
                                *ACCOUNT_BLOCK_CALLS, *REPLICATION_CALLS])],
    description=(
        "Training sets, knowledge-base documents and model artifacts are exfiltrated (or poisoned) by opening "
        "their bucket: a policy granting `*` or another account, a public ACL (on the bucket, or on objects as "
        "they are written), replication to a bucket in another account, or a public access block removed "
        "or weakened. Only buckets known as AI data (protected_data_buckets, or learned from training jobs and "
        "knowledge-base data sources) are judged; account-wide public access block changes are judged when any "
        "such bucket is known."
    ),
    false_positives=[
        "Cross-account sharing with a partner or a central ML account that is intended (scope it with "
        "aws:PrincipalOrgID to silence it).",
        "A public dataset bucket deliberately served to the internet.",
    ],
    references=["https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html",
                "https://attack.mitre.org/techniques/T1530/"],
)
def detect(event: dict[str, Any], ctx: DetectContext) -> Iterator[Finding]:
    """Judge the new policy, ACL or public access block of an AI data bucket.

    Known false positives: intended cross-account sharing without an org condition, deliberately public
    dataset buckets.
    """
    call = ApiCall(event["detail"])
    if call.error_code:
        return
    if call.event_name in OBJECT_WRITE_CALLS and not _acl(call):
        return  # nearly every write sets no public ACL: done before any state is read
    meta: DetectorMeta = detect.meta  # type: ignore[attr-defined]
    trusted = is_trusted(call, ctx)
    if call.event_name in ACCOUNT_BLOCK_CALLS:
        yield from _account_block(call, ctx, meta, trusted)
        return
    bucket = bucket_of(call)
    reasons = bucket_reasons(bucket, ctx)
    if not bucket or not reasons:
        return
    protected = "config:protected_data_buckets" in reasons
    name = call.event_name
    if name == "PutBucketPolicy":
        problems, severity = _policy(call, protected)
    elif name == "DeleteBucketPolicy":
        problems, severity = ["bucket policy deleted (its Deny statements, if any, are gone)"], "low"
    elif name in ACL_CALLS or name in OBJECT_WRITE_CALLS:
        problems, severity = _acl(call), "critical" if protected else "high"
    elif name in REPLICATION_CALLS:
        problems, severity = _replication(call), "high" if protected else "medium"
    else:
        problems, severity = _block(call, protected)
    if not problems:
        return
    yield ctx.call_finding(
        meta,
        call,
        key=f"exposure:{call.event_id or f'{bucket}:{name}'}",
        description=(f"{call.actor_arn or call.actor_key} called {name} on "
                     f"{'protected' if protected else 'AI'} data bucket {bucket}: {'; '.join(problems)}."),
        resources=[Resource(type="AWS::S3::Bucket", id=f"arn:aws:s3:::{bucket}")],
        evidence={"bucket": bucket, "why_ai_data": reasons[:5], "problems": problems, "trusted_principal": trusted},
        severity=temper(severity, trusted),
    )


def _policy(call: ApiCall, protected: bool) -> tuple[list[str], str]:
    """Statements that allow everyone (without an owner-scoping condition) or another account."""
    doc = load_document(call.request_parameters.get("bucketPolicy") or call.request_parameters.get("policy"))
    problems: list[str] = []
    public = foreign = False
    for s in (s for s in statements(doc) if allows(s)):
        who = principals(s)
        actions = ",".join(str(a) for a in as_list(s.get("Action")))[:80] or "NotAction"
        if who.wildcard and not restricting_conditions(s):
            public = True
            problems.append(f"allows anyone {actions}")
            continue
        others = sorted(who.foreign_accounts(call.account))
        if others:
            foreign = True
            problems.append(f"allows account(s) {', '.join(others[:5])} {actions}")
    if public:
        return problems, "critical" if protected else "high"
    return problems, ("high" if protected else "medium") if foreign else "low"


def _members(value: Any, name: str) -> Iterator[Any]:
    """Every value under key ``name`` (any case) in ``value``: CloudTrail turns S3's XML bodies into JSON, with
    one rule as an object and several as a list."""
    if isinstance(value, dict):
        for k, v in value.items():
            if str(k).lower() == name:
                yield v
            yield from _members(v, name)
    elif isinstance(value, list):
        for v in value:
            yield from _members(v, name)


def _replication(call: ApiCall) -> list[str]:
    """Replication rules whose destination is another account (named, or the bucket ARN's owner-override)."""
    problems = []
    for dest in _members(call.request_parameters.get("ReplicationConfiguration"), "destination"):
        fields = xml_fields(dest)
        account, bucket = str(fields.get("account") or ""), str(fields.get("bucket") or "?")
        if account and account != call.account:
            problems.append(f"replicates new objects to {bucket.rsplit(':', 1)[-1]} in account {account}")
    return problems


def _acl(call: ApiCall) -> list[str]:
    """Public canned ACLs and grants to the AllUsers / AuthenticatedUsers groups (header or XML body)."""
    p = call.request_parameters
    if call.event_name in OBJECT_WRITE_CALLS:  # only the ACL headers: keys and metadata are the writer's text
        p = {k: v for k, v in p.items() if k.lower() == "x-amz-acl" or k.lower().startswith("x-amz-grant-")}
    canned = {str(v).lower() for v in as_list(p.get("x-amz-acl"))}
    problems = [f"canned ACL {c}" for c in sorted(canned & PUBLIC_CANNED_ACLS)]
    body = json.dumps(p)
    problems += [f"grant to {g.rsplit('/', 1)[-1]}" for g in PUBLIC_GRANTEES if g in body]
    return problems


def _weakened_settings(call: ApiCall) -> list[str] | None:
    """Public-access-block settings turned off (all four when the block is deleted); None if unreadable.

    The put replaces the whole configuration: a setting the request leaves out is off afterwards.
    """
    if call.event_name.startswith("Delete"):
        return list(BLOCK_SETTINGS)
    cfg = call.request_parameters.get("PublicAccessBlockConfiguration")
    if not isinstance(cfg, dict):
        return None
    return [k for k in BLOCK_SETTINGS if cfg.get(k) is not True and str(cfg.get(k)).lower() != "true"]


def _block(call: ApiCall, protected: bool) -> tuple[list[str], str]:
    off = _weakened_settings(call)
    if not off:
        return [], "low"
    policy_off = {"BlockPublicPolicy", "RestrictPublicBuckets"} <= set(off)
    severity = "high" if (len(off) == len(BLOCK_SETTINGS) or policy_off) else "medium"
    if not protected:
        severity = "medium" if severity == "high" else "low"
    return [f"public access block {'deleted' if call.event_name.startswith('Delete') else 'weakened'}: "
            f"{', '.join(off)} off"], severity


def _account_block(call: ApiCall, ctx: DetectContext, meta: DetectorMeta, trusted: bool) -> Iterator[Finding]:
    buckets = known_ai_buckets(ctx)
    off = _weakened_settings(call)
    if not buckets or not off:
        return
    severity = "high" if len(off) == len(BLOCK_SETTINGS) else "medium"
    yield ctx.finding(
        meta,
        key=f"exposure:{call.event_id or f'{call.account}:{call.event_name}'}",
        title="Account-wide S3 public access block weakened while AI data buckets exist",
        description=(f"{call.actor_arn or call.actor_key} called {call.event_name} on account {call.account}: "
                     f"{', '.join(off)} off for every bucket, including AI data buckets such as {buckets[0]}."),
        event_ids=[call.event_id],
        first_seen=call.time,
        account=call.account,
        region=call.region,
        principal=call.principal(),
        resources=[Resource(type="AWS::S3::AccountPublicAccessBlock", id=str(call.account))],
        evidence={**call.summary(), "settings_off": off, "ai_buckets": buckets[:10], "trusted_principal": trusted},
        severity=temper(severity, trusted),
    )
