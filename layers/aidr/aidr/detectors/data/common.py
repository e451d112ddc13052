"""Readers shared by the S3 detectors: which bucket and object a record touches, and who may change them."""

from __future__ import annotations

from typing import Any

from ...findings.model import lower_severity
from ...normalize.cloudtrail import ApiCall
from ..context import DetectContext

FUNCTION = "DetectDataFunction"
SERVICE = "s3"


def bucket_of(call: ApiCall) -> str | None:
    """``requestParameters.bucketName``, else the bucket named in ``resources``."""
    name = call.request_parameters.get("bucketName")
    if isinstance(name, str) and name:
        return name
    for r in call.raw.get("resources") or []:
        if isinstance(r, dict) and r.get("type") == "AWS::S3::Bucket" and isinstance(r.get("ARN"), str):
            return r["ARN"].split(":::", 1)[-1] or None
    return None


def object_keys(call: ApiCall, bucket: str) -> list[str]:
    """Object keys the record names (``key`` parameter or object ARNs); DeleteObjects logs none."""
    key = call.request_parameters.get("key")
    keys = [key] if isinstance(key, str) and key else []
    prefix = f"arn:aws:s3:::{bucket}/"
    for r in call.raw.get("resources") or []:
        if not isinstance(r, dict) or r.get("type") != "AWS::S3::Object":
            continue
        arn = r.get("ARN")
        if isinstance(arn, str) and arn.startswith(prefix):
            keys.append(arn[len(prefix):])
    return list(dict.fromkeys(keys))


def by_aws_service(call: ApiCall) -> bool:
    """Writes AWS services make on their own behalf (replication, log delivery, Bedrock batch output)."""
    return call.identity_type == "AWSService"


def is_trusted(call: ApiCall, ctx: DetectContext) -> bool:
    return ctx.config.is_trusted(call.actor_arn) or ctx.config.is_trusted(call.actor_key)


def temper(severity: str, trusted: bool) -> str:
    """A trusted principal's change is still worth a look, one step lower."""
    return lower_severity(severity) if trusted else severity


def xml_fields(value: Any) -> dict[str, Any]:
    """An S3 configuration element as CloudTrail records it (the request's XML body turned into JSON), with its
    field names lower-cased: samples and SDKs disagree on their case. Anything but an object reads as empty."""
    return {str(k).lower(): v for k, v in value.items()} if isinstance(value, dict) else {}
