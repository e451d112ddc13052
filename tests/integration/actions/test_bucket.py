"""quarantine-bucket on the emulated account: the statement, size limit, owner check and re-reads."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aidr.actions import get_action
from aidr.actions.bucket import POLICY_LIMIT_BYTES, QUARANTINE_SID, QUARANTINE_TAG
from aidr.errors import ActionFailed

from tests.integration.actions.scenarios import BREAK_GLASS, RESPONDER, bucket_state, client, make_bucket
from tests.unit.actions.support import ACCOUNT, Recorder

EXEMPT = {"exempt_principal_arns": [RESPONDER, BREAK_GLASS]}
OTHER = {"Sid": "TrainingJobs", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/trainer"},
         "Action": "s3:GetObject", "Resource": "arn:aws:s3:::training-data-0001/*"}


def statements(name: str) -> list[dict[str, Any]]:
    policy = bucket_state(name)[0]
    return policy["Statement"] if policy else []


def test_apply_adds_the_named_deny_keeps_other_statements_blocks_public_access_and_tags(rec: Recorder) -> None:
    bucket = make_bucket(policy={"Version": "2012-10-17", "Statement": [OTHER]})
    action = get_action("quarantine-bucket")(EXEMPT, client_factory=rec)
    snap = action.snapshot(bucket)
    action.apply(snap)
    other, deny = statements(bucket.name)
    assert other == OTHER
    assert deny == {"Sid": QUARANTINE_SID, "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                    "Resource": ["arn:aws:s3:::training-data-0001", "arn:aws:s3:::training-data-0001/*"],
                    "Condition": {"ArnNotLike": {"aws:PrincipalArn": [RESPONDER, BREAK_GLASS]}}}
    _, pab, tags = bucket_state(bucket.name)
    assert pab == dict.fromkeys(("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy",
                                 "RestrictPublicBuckets"), True)
    assert tags == [(QUARANTINE_TAG, snap.taken_at.strftime("%Y-%m-%dT%H:%M:%SZ"))]


def test_a_statement_already_named_aidr_quarantine_is_replaced_then_restored(rec: Recorder) -> None:
    stale = {**OTHER, "Sid": QUARANTINE_SID, "Effect": "Deny"}
    bucket = make_bucket(policy={"Version": "2012-10-17", "Statement": stale})  # a single statement, not a list
    before = bucket_state(bucket.name)
    action = get_action("quarantine-bucket")(EXEMPT, client_factory=rec)
    snap = action.snapshot(bucket)
    action.apply(snap)
    assert [s["Principal"] for s in statements(bucket.name)] == ["*"]
    action.undo(snap)
    assert bucket_state(bucket.name) == before


def test_a_policy_that_would_exceed_20_kb_is_refused_and_nothing_changes(rec: Recorder) -> None:
    policy: dict[str, Any] = {"Version": "2012-10-17", "Statement": []}
    while len(json.dumps(policy, separators=(",", ":"))) < POLICY_LIMIT_BYTES - 200:  # the deny is ~330 bytes
        i = len(policy["Statement"])
        policy["Statement"].append({**OTHER, "Sid": f"Reader{i:04d}",
                                    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/reader-{i:04d}"}})
    assert len(json.dumps(policy, separators=(",", ":"))) < POLICY_LIMIT_BYTES  # fits today
    bucket = make_bucket(policy=policy)
    before = bucket_state(bucket.name)
    action = get_action("quarantine-bucket")(EXEMPT, client_factory=rec)
    snap = action.snapshot(bucket)
    with pytest.raises(ActionFailed, match="over S3's 20480-byte limit"):
        action.apply(snap)
    assert bucket_state(bucket.name) == before
    assert rec.mutations() == []


def test_every_call_checks_the_bucket_owner(rec: Recorder) -> None:
    bucket = make_bucket()
    action = get_action("quarantine-bucket")(EXEMPT, client_factory=rec)
    snap = action.snapshot(bucket)
    action.apply(snap)
    action.undo(snap)
    assert rec.calls
    assert all(c.params.get("ExpectedBucketOwner") == ACCOUNT for c in rec.calls)


def test_each_step_re_reads_the_bucket(rec: Recorder) -> None:
    """A tag added by its owner between two steps of apply survives: the tag step reads the tags afresh."""
    bucket = make_bucket(tags=[{"Key": "team", "Value": "ml"}])
    action = get_action("quarantine-bucket")(EXEMPT, client_factory=rec)
    snap = action.snapshot(bucket)

    def owner_tags(**_: Any) -> None:
        client("s3").put_bucket_tagging(Bucket=bucket.name, Tagging={"TagSet": [
            {"Key": "team", "Value": "ml"}, {"Key": "incident", "Value": "IR-1042"}]})

    rec("s3", bucket.region).meta.events.register_first("after-call.s3.PutBucketPolicy", owner_tags)
    try:
        action.apply(snap)
    finally:
        rec("s3", bucket.region).meta.events.unregister("after-call.s3.PutBucketPolicy", owner_tags)
    assert dict(bucket_state(bucket.name)[2]) == {"team": "ml", "incident": "IR-1042",
                                                   QUARANTINE_TAG: snap.taken_at.strftime("%Y-%m-%dT%H:%M:%SZ")}


def test_undo_of_a_bare_bucket_deletes_what_apply_created(rec: Recorder) -> None:
    bucket = make_bucket()
    action = get_action("quarantine-bucket")(EXEMPT, client_factory=rec)
    snap = action.snapshot(bucket)
    assert snap.state == {"policy": None, "public_access_block": None, "tags": None}
    action.apply(snap)
    action.undo(snap)
    assert bucket_state(bucket.name) == (None, None, None)
    assert {"s3:DeleteBucketPolicy", "s3:PutBucketPublicAccessBlock", "s3:PutBucketTagging"} <= set(rec.mutations())


@pytest.mark.parametrize(("options", "reason"), [
    ({"exempt_principal_arns": []}, "locks out its own undo"),
    ({"exempt_principal_arns": ["aidr-responder"]}, "not IAM principal ARNs"),
    ({}, "Field required"),
])
def test_options_without_a_usable_exemption_are_refused(options: dict[str, Any], reason: str) -> None:
    with pytest.raises(ActionFailed, match=reason):
        get_action("quarantine-bucket")(options)


def _public(policy: str) -> bool:
    """S3's test, simplified: an Allow to every principal with no condition."""
    statements = json.loads(policy).get("Statement", [])
    return any(st.get("Effect") == "Allow" and st.get("Principal") in ("*", {"AWS": "*"}) and not st.get("Condition")
               for st in (statements if isinstance(statements, list) else [statements]))


def _enforcing_block_public_policy(rec: Recorder) -> Any:
    """A client factory whose S3 refuses a public policy while BlockPublicPolicy is on, as S3 does (moto does not)."""
    import boto3
    from botocore.exceptions import ClientError

    def check(params: dict[str, Any], **_: Any) -> None:
        reader = boto3.client("s3", region_name="us-east-1")
        try:
            pab = reader.get_public_access_block(Bucket=params["Bucket"])["PublicAccessBlockConfiguration"]
        except ClientError:
            pab = {}
        if pab.get("BlockPublicPolicy") and _public(params["Policy"]):
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "Access Denied"}}, "PutBucketPolicy")

    def factory(service: str, region: str | None) -> Any:
        made = rec(service, region)
        if service != "s3":
            return made
        s3 = boto3.client("s3", region_name=region or "us-east-1")
        s3.meta.events.register("before-parameter-build.s3.PutBucketPolicy", check)
        return s3

    return factory


PUBLIC_READ = {"Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
               "Resource": "arn:aws:s3:::training-data-0001/*"}


@pytest.mark.parametrize("pab_before", [None, {"BlockPublicAcls": True, "IgnorePublicAcls": False,
                                               "BlockPublicPolicy": False, "RestrictPublicBuckets": False}])
def test_a_public_bucket_is_quarantined_and_its_public_policy_comes_back_on_undo(
        rec: Recorder, pab_before: dict[str, bool] | None) -> None:
    """The typical exposure: undo must lift BlockPublicPolicy to put the public policy back, then restore the
    snapshot's block-public-access exactly."""
    bucket = make_bucket(policy={"Version": "2012-10-17", "Statement": [PUBLIC_READ]}, pab=pab_before)
    before = bucket_state(bucket.name)
    action = get_action("quarantine-bucket")(EXEMPT, client_factory=_enforcing_block_public_policy(rec))
    snap = action.snapshot(bucket)
    action.apply(snap)
    assert action.verify(snap)
    action.undo(snap)
    assert bucket_state(bucket.name) == before and action.verify_undo(snap)


def test_a_public_policy_that_predates_block_public_policy_is_still_quarantined(rec: Recorder) -> None:
    """BlockPublicPolicy turned on after a public policy was set: S3 refuses any write of that policy, the merged
    one included, so apply lifts the setting for the write and turns all four on right after."""
    bucket = make_bucket(policy={"Version": "2012-10-17", "Statement": [PUBLIC_READ]})
    client("s3").put_public_access_block(Bucket=bucket.name, PublicAccessBlockConfiguration=dict.fromkeys(
        ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"), True))
    before = bucket_state(bucket.name)
    action = get_action("quarantine-bucket")(EXEMPT, client_factory=_enforcing_block_public_policy(rec))
    snap = action.snapshot(bucket)
    action.apply(snap)
    policy, pab, _ = bucket_state(bucket.name)
    assert [s["Sid"] for s in policy["Statement"]] == ["PublicRead", QUARANTINE_SID] and all(pab.values())
    action.undo(snap)
    assert bucket_state(bucket.name) == before


def test_a_refused_policy_write_leaves_block_public_policy_on(rec: Recorder) -> None:
    """Fail closed: when the write is refused for another reason, the lifted setting is put back."""
    import boto3
    from botocore.exceptions import ClientError

    bucket = make_bucket(policy={"Version": "2012-10-17", "Statement": [PUBLIC_READ]},
                         pab=dict.fromkeys(("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy",
                                            "RestrictPublicBuckets"), True))

    def denied(**_: Any) -> None:
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "explicit deny"}}, "PutBucketPolicy")

    def factory(service: str, region: str | None) -> Any:
        if service != "s3":
            return rec(service, region)
        s3 = boto3.client("s3", region_name=region or "us-east-1")
        s3.meta.events.register("before-parameter-build.s3.PutBucketPolicy", denied)
        return s3

    action = get_action("quarantine-bucket")(EXEMPT, client_factory=factory)
    with pytest.raises(ActionFailed, match="AccessDenied"):
        action.apply(action.snapshot(bucket))
    assert bucket_state(bucket.name)[1]["BlockPublicPolicy"] is True
