"""Writes, deletes and ACL changes in AI training / knowledge-base data by principals not trusted to make them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from ...findings.model import MAX_EVENT_IDS, Finding, Resource
from ...inventory import bucket_reasons, is_ai_role, is_ai_user
from ...normalize.cloudtrail import ApiCall
from ..context import DetectContext, window_start
from ..patterns import api_calls
from ..registry import DetectorMeta, detector
from .common import FUNCTION, SERVICE, bucket_of, by_aws_service, is_trusted, object_keys

WINDOW = 3600  # one finding per principal and bucket per hour, however many objects it touched
CALLS = ("PutObject", "CopyObject", "CompleteMultipartUpload", "DeleteObject", "DeleteObjects", "PutObjectAcl",
         "RestoreObject")
DELETES = ("DeleteObject", "DeleteObjects")
MAX_KEYS_IN_EVIDENCE = 20


@detector(
    id="s3.training_data_tampering",
    title="AI training or knowledge-base data changed by an untrusted principal",
    category="training-data-tampering",
    severity="high",
    phase="enhanced",
    techniques=["AML.T0020", "T1565.001", "T1485"],
    playbook="quarantine-bucket",
    function=FUNCTION,
    events=[api_calls(SERVICE, list(CALLS))],
    description=(
        "Data poisoning needs write access to what models train on or agents retrieve. Object writes, copies, "
        "deletes, ACL changes and restores in buckets listed in protected_data_buckets (high) or learned as "
        "training input / knowledge-base sources (medium), by a principal outside trusted_principals, are "
        "grouped per principal, bucket and hour. These are S3 data events: they need a trail with data-event "
        "selectors on the buckets."
    ),
    false_positives=[
        "Data pipelines whose role is not yet listed in trusted_principals.",
        "SageMaker or Bedrock jobs writing output next to their input in a learned bucket (skipped when the "
        "writer is itself a known AI role).",
    ],
    references=["https://atlas.mitre.org/techniques/AML.T0020",
                "https://docs.aws.amazon.com/AmazonS3/latest/userguide/cloudtrail-logging-s3-info.html"],
)
def detect(event: dict[str, Any], ctx: DetectContext) -> Iterator[Finding]:
    """Report changes to AI data by untrusted principals, one finding per principal, bucket and hour.

    Known false positives: pipeline roles missing from ``trusted_principals``; AI jobs writing output into
    learned buckets (skipped when the writer is a known AI role or user).
    """
    call = ApiCall(event["detail"])
    if call.error_code or by_aws_service(call):
        return
    bucket = bucket_of(call)
    reasons = bucket_reasons(bucket, ctx)
    if not bucket or not reasons or is_trusted(call, ctx):
        return
    protected = "config:protected_data_buckets" in reasons
    if not protected and (is_ai_role(call.actor_arn, ctx) or is_ai_user(call.actor_arn, ctx)):
        return  # a learned bucket written by a known AI principal: training output, ingestion staging
    meta: DetectorMeta = detect.meta  # type: ignore[attr-defined]
    t = ctx.when(call.time)
    keys = object_keys(call, bucket)
    window = f"tdt:{bucket}:{call.actor_key}:{window_start(t, WINDOW)}"  # the finding's own window
    member = call.event_id or f"{call.event_name}:{t.isoformat()}:{','.join(keys)}"
    if not ctx.state.add(window, member, t.timestamp(), WINDOW * 2 + 3600,
                         {"op": call.event_name, "keys": keys[:5], "event_id": call.event_id,
                          "rollback": _restores_old_version(call, bucket, keys)}):
        return  # re-delivered: already counted and reported
    n = _count(ctx, window + ":n", WINDOW * 2 + 3600)
    if n > MAX_EVENT_IDS and n & (n - 1):
        return  # a long burst re-reports at 128, 256, 512... changes, not on every write
    recent = ctx.state.members(window)
    ops = sorted({str(m.data.get("op")) for m in recent})
    touched = list(dict.fromkeys(k for m in recent for k in m.data.get("keys", [])))
    rollback = any(m.data.get("rollback") for m in recent)
    yield ctx.finding(
        meta,
        key=f"{bucket}:{call.actor_key}:{window_start(t, WINDOW)}",
        description=(
            f"{call.actor_arn or call.actor_key} made {n} change(s) ({', '.join(ops)}) to "
            f"{'protected' if protected else 'AI'} data bucket {bucket} within the hour"
            + (f", e.g. {touched[0]!r}" if touched else "")
            + (", restoring an older object version" if rollback else "")
            + "; it is not in trusted_principals."
        ),
        event_ids=[m.data.get("event_id") for m in recent[:MAX_EVENT_IDS]],
        first_seen=datetime.fromtimestamp(recent[0].ts, UTC),
        last_seen=t,
        account=call.account,
        region=call.region,
        principal=call.principal(),
        resources=[Resource(type="AWS::S3::Bucket", id=f"arn:aws:s3:::{bucket}")],
        evidence={**call.summary(), "bucket": bucket, "why_ai_data": reasons[:5], "operations": ops,
                  "changes_in_window": n, "object_keys": touched[:MAX_KEYS_IN_EVIDENCE],
                  "restored_old_version": rollback, "event_category": call.raw.get("eventCategory")},
        severity=_severity(protected, ops, rollback),
    )


def _count(ctx: DetectContext, key: str, ttl: int) -> int:
    """Increment and return a counter (conditional writes: concurrent invocations never lose a count)."""
    while True:
        value, version = ctx.state.get(key)
        n = int((value or {}).get("n", 0)) + 1
        if ctx.state.put(key, {"n": n}, version, ttl):
            return n


def _restores_old_version(call: ApiCall, bucket: str, keys: list[str]) -> bool:
    """CopyObject of an older version of an object onto itself: the quiet way to roll data back.

    S3 takes ``x-amz-copy-source`` URL-encoded (SDKs percent-encode the key: ``=`` of Hive partitions, spaces)
    while ``key`` is logged decoded, so the source is decoded before comparing.
    """
    source = call.request_parameters.get("x-amz-copy-source")
    if call.event_name != "CopyObject" or not isinstance(source, str) or "versionId=" not in source:
        return False
    path = unquote(source.split("?", 1)[0]).lstrip("/")
    return any(path == f"{bucket}/{k}" for k in keys)


def _severity(protected: bool, ops: list[str], rollback: bool) -> str:
    """Protected data: high. Learned AI data: medium, high for deletes and rollbacks, low for ACL-only or
    Glacier-restore-only activity (no content changed)."""
    if protected or rollback or any(op in DELETES for op in ops):
        return "high"
    if set(ops) <= {"PutObjectAcl", "RestoreObject"}:
        return "low"
    return "medium"
