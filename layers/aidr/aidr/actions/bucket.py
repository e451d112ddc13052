"""Quarantine an S3 bucket: a named Deny for everyone but the responders, block-public-access on, a tag.

Every S3 call passes ``ExpectedBucketOwner`` (the finding's account), so a bucket name that now belongs to someone
else is never touched.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict, field_validator

from ..aws import error_code
from ..errors import ActionFailed
from .base import ORDER_DATA, Action, ActionOptions, Change, Part, Snapshot, action, change, read_or_none
from .targets import Target

QUARANTINE_SID = "AidrQuarantine"
QUARANTINE_TAG = "aidr:quarantine"
POLICY_LIMIT_BYTES = 20 * 1024  # S3's bucket policy size limit
PAB_KEYS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
ALL_BLOCKED = dict.fromkeys(PAB_KEYS, True)


class QuarantineOptions(ActionOptions):
    exempt_principal_arns: list[str]
    """Role ARNs still allowed in: the responder role (it must be able to undo) and the break-glass roles."""

    @field_validator("exempt_principal_arns")
    @classmethod
    def _exempt(cls, v: list[str]) -> list[str]:
        if not v:
            raise ValueError("name at least the responder role, or the quarantine locks out its own undo")
        bad = [a for a in v if not a.startswith("arn:") or ":iam::" not in a]
        if bad:
            raise ValueError(f"not IAM principal ARNs: {bad}")
        return v


class BucketState(BaseModel):
    model_config = ConfigDict(extra="forbid")

    policy: str | None
    """The bucket policy as S3 returned it (None: no policy)."""
    public_access_block: dict[str, bool] | None
    """The bucket's PublicAccessBlockConfiguration (None: none set)."""
    tags: list[dict[str, str]] | None
    """The bucket's TagSet (None: no tags)."""


def quarantine_statement(bucket_arn: str, exempt: list[str]) -> dict[str, Any]:
    """Deny ``s3:*`` on the bucket and its objects to every principal but ``exempt``.

    Examples
    --------
    >>> st = quarantine_statement("arn:aws:s3:::b", ["arn:aws:iam::111122223333:role/aidr-responder"])
    >>> st["Resource"]
    ['arn:aws:s3:::b', 'arn:aws:s3:::b/*']
    >>> st["Condition"]["ArnNotLike"]
    {'aws:PrincipalArn': ['arn:aws:iam::111122223333:role/aidr-responder']}
    """
    return {"Sid": QUARANTINE_SID, "Effect": "Deny", "Principal": "*", "Action": "s3:*",
            "Resource": [bucket_arn, f"{bucket_arn}/*"],
            "Condition": {"ArnNotLike": {"aws:PrincipalArn": list(exempt)}}}


def _statements(policy: dict[str, Any]) -> list[Any]:
    st = policy.get("Statement", [])
    return st if isinstance(st, list) else [st]


def with_quarantine(policy: str | None, statement: dict[str, Any]) -> str:
    """``policy`` with ``statement`` in place of any statement of the same Sid, as compact JSON."""
    doc: dict[str, Any] = json.loads(policy) if policy else {"Version": "2012-10-17"}
    doc["Statement"] = [s for s in _statements(doc) if not (isinstance(s, dict) and s.get("Sid") == QUARANTINE_SID)]
    doc["Statement"].append(statement)
    return json.dumps(doc, separators=(",", ":"))


def _same_policy(a: str | None, b: str | None) -> bool:
    # S3 may hand a policy back re-serialised: compare JSON values, not text.
    return (json.loads(a) if a else None) == (json.loads(b) if b else None)


def _tag_map(tags: list[dict[str, str]] | None) -> dict[str, str]:
    return {t["Key"]: t.get("Value", "") for t in tags or []}


class _Bucket:
    """The three bucket settings quarantine changes, read and written with the owner check."""

    def __init__(self, s3: Any, target: Target) -> None:
        self.s3 = s3
        self.kw = {"Bucket": target.name, "ExpectedBucketOwner": target.account}

    def policy(self) -> str | None:
        found = read_or_none(lambda: self.s3.get_bucket_policy(**self.kw), "NoSuchBucketPolicy")
        return found["Policy"] if found else None

    def public_access_block(self) -> dict[str, bool] | None:
        found = read_or_none(lambda: self.s3.get_public_access_block(**self.kw),
                             "NoSuchPublicAccessBlockConfiguration")
        return dict(found["PublicAccessBlockConfiguration"]) if found else None

    def tags(self) -> list[dict[str, str]] | None:
        found = read_or_none(lambda: self.s3.get_bucket_tagging(**self.kw), "NoSuchTagSet")
        # An empty value can come back without "Value"; PutBucketTagging requires it.
        tags = [{"Key": t["Key"], "Value": t.get("Value", "")} for t in (found or {}).get("TagSet", [])]
        return tags or None

    def put_policy(self, policy: str | None) -> None:
        if policy is None:
            self.s3.delete_bucket_policy(**self.kw)
            return
        try:
            self.s3.put_bucket_policy(Policy=policy, **self.kw)
        except ClientError as e:
            # BlockPublicPolicy makes S3 refuse (AccessDenied) a policy it deems public: the bucket's own public
            # statements that predate the setting (apply keeps them beside the deny), or the public policy undo
            # puts back. Lift that one setting for the write; the step after this one sets block-public-access
            # (all four on for apply, the snapshot's for undo), and a failed write puts it back at once.
            pab = self.public_access_block()
            if error_code(e) != "AccessDenied" or not (pab and pab.get("BlockPublicPolicy")):
                raise
            self.put_public_access_block({**pab, "BlockPublicPolicy": False})
            try:
                self.s3.put_bucket_policy(Policy=policy, **self.kw)
            except ClientError:
                self.put_public_access_block(pab)
                raise

    def put_public_access_block(self, config: dict[str, bool] | None) -> None:
        if config is None:
            self.s3.delete_public_access_block(**self.kw)
        else:
            self.s3.put_public_access_block(PublicAccessBlockConfiguration=config, **self.kw)

    def put_tags(self, tags: list[dict[str, str]] | None) -> None:
        if tags:
            self.s3.put_bucket_tagging(Tagging={"TagSet": tags}, **self.kw)
        else:
            self.s3.delete_bucket_tagging(**self.kw)


@action("quarantine-bucket")
class QuarantineBucket(Action):
    """Quarantine a bucket. Apply, each step re-reading the bucket first:

    1. add the Deny statement ``AidrQuarantine`` (``s3:*`` on the bucket and its objects, ``ArnNotLike
       aws:PrincipalArn`` the exempt roles) to the bucket policy, keeping its other statements; refused with
       :class:`ActionFailed` when the result would exceed S3's 20 KB limit;
    2. turn all four block-public-access settings on;
    3. tag ``aidr:quarantine`` with the snapshot time.

    Undo restores the snapshot exactly: the policy document (deleted if there was none), the public-access-block
    configuration (deleted if there was none) and the tag set (deleted if there were no tags). S3 refuses to write
    a public policy while BlockPublicPolicy is on (the exposed bucket's own policy, kept by apply or put back by
    undo): that one setting is lifted for the write, and the next step sets block-public-access again. Restoring
    the whole policy rather than removing one statement is right here: while quarantined only the exempt roles can
    edit it.
    Account-level block-public-access is not touched.
    """

    title = "Quarantine the S3 bucket"
    target_types = ("s3-bucket",)
    order = ORDER_DATA
    Options = QuarantineOptions
    permissions = (
        "s3:GetBucketPolicy", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy",
        "s3:GetBucketPublicAccessBlock", "s3:PutBucketPublicAccessBlock",  # Delete* needs the Put permission
        "s3:GetBucketTagging", "s3:PutBucketTagging",  # DeleteBucketTagging needs s3:PutBucketTagging
    )

    def _bucket(self, target: Target) -> _Bucket:
        return _Bucket(self.client("s3", target), target)

    def _capture(self, target: Target, options: Any) -> BucketState:
        b = self._bucket(target)
        return BucketState(policy=b.policy(), public_access_block=b.public_access_block(), tags=b.tags())

    def _tag_value(self, snap: Snapshot) -> str:
        return snap.taken_at.strftime("%Y-%m-%dT%H:%M:%SZ")

    def _apply_parts(self, snap: Snapshot) -> Iterable[Part]:
        b, label = self._bucket(snap.target), snap.target.label
        statement = quarantine_statement(str(snap.target.arn), self.options_of(snap).exempt_principal_arns)

        def deny() -> list[Change]:
            current = b.policy()
            if current and statement in _statements(json.loads(current)):
                return []
            new = with_quarantine(current, statement)
            if len(new.encode()) > POLICY_LIMIT_BYTES:
                raise ActionFailed(f"{self.id}: {label}: the policy with the quarantine statement would be "
                                   f"{len(new.encode())} bytes, over S3's {POLICY_LIMIT_BYTES}-byte limit")
            return change(f"add Deny statement {QUARANTINE_SID} (s3:* for all but "
                          f"{', '.join(statement['Condition']['ArnNotLike']['aws:PrincipalArn'])}) to the policy "
                          f"of {label}", lambda: b.put_policy(new))

        def block_public() -> list[Change]:
            if b.public_access_block() == ALL_BLOCKED:
                return []
            return change(f"turn on all four block-public-access settings of {label}",
                          lambda: b.put_public_access_block(ALL_BLOCKED))

        def tag() -> list[Change]:
            tags, value = _tag_map(b.tags()), self._tag_value(snap)
            if QUARANTINE_TAG in tags:  # since the first quarantine; a later finding's run keeps that time
                return []
            tags[QUARANTINE_TAG] = value
            new = [{"Key": k, "Value": v} for k, v in tags.items()]
            return change(f"tag {label} {QUARANTINE_TAG}={value}", lambda: b.put_tags(new))

        return [deny, block_public, tag]

    def _undo_parts(self, snap: Snapshot) -> Iterable[Part]:
        b, label = self._bucket(snap.target), snap.target.label
        prior = BucketState.model_validate(snap.state)

        def policy() -> list[Change]:
            if _same_policy(b.policy(), prior.policy):
                return []
            what = "delete the bucket policy" if prior.policy is None else "put back the previous bucket policy"
            return change(f"{what} of {label}", lambda: b.put_policy(prior.policy))

        def public_access() -> list[Change]:
            if b.public_access_block() == prior.public_access_block:
                return []
            what = ("delete the public-access-block configuration" if prior.public_access_block is None
                    else f"put back the public-access-block configuration {prior.public_access_block}")
            return change(f"{what} of {label}", lambda: b.put_public_access_block(prior.public_access_block))

        def tags() -> list[Change]:
            if _tag_map(b.tags()) == _tag_map(prior.tags):
                return []
            what = "delete the tags" if not prior.tags else f"put back the {len(prior.tags)} previous tags"
            return change(f"{what} of {label}", lambda: b.put_tags(prior.tags))

        return [policy, public_access, tags]
