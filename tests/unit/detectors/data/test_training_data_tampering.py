"""s3.training_data_tampering: hourly grouping, re-delivery, who may write where, severity, rollbacks."""

from __future__ import annotations

import copy
import uuid
from typing import Any

from aidr.config import AidrConfig
from aidr.findings.model import Finding
from aidr_cli.pipeline import run_records
from aidr_cli.template import load_router

from tests.conftest import FIXTURES, load_json

DETECTOR = "s3.training_data_tampering"
ROUTER = load_router()
PROTECTED = AidrConfig(protected_data_buckets=["ml-training-data-prod", "kb-source-*"])


def _case(name: str, polarity: str = "positive") -> list[dict[str, Any]]:
    return copy.deepcopy(load_json(FIXTURES / DETECTOR / polarity / f"{name}.json")["records"])


def _run(records: list[dict[str, Any]], config: AidrConfig | None = PROTECTED) -> list[Finding]:
    findings, _ = run_records(records, config, ROUTER)
    return [f for f in findings if f.detector == DETECTOR]


def _put(minute: int, key: str = "curated/x.jsonl") -> dict[str, Any]:
    [rec] = _case("put_object_protected_bucket")
    rec["eventTime"] = f"2026-03-04T{9 + minute // 60:02d}:{minute % 60:02d}:00Z"
    rec["eventID"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"tdt-test/{minute}/{key}"))
    rec["requestParameters"]["key"] = key
    rec["resources"][0]["ARN"] = f"arn:aws:s3:::ml-training-data-prod/{key}"
    return rec


def test_writes_within_an_hour_are_one_finding_with_every_key() -> None:
    records = [_put(m, f"curated/part-{m}.jsonl") for m in (0, 20, 40)]
    [finding] = _run(records)
    assert set(finding.event_ids) == {r["eventID"] for r in records}
    assert finding.evidence["changes_in_window"] == 3
    assert finding.evidence["object_keys"] == [f"curated/part-{m}.jsonl" for m in (0, 20, 40)]


def test_long_burst_reports_at_powers_of_two_with_bounded_ids() -> None:
    records = [_put(0, f"k{i}") for i in range(300)]  # same minute: one clock hour
    [finding] = _run(records)
    assert finding.evidence["changes_in_window"] == 256
    assert len(finding.event_ids) == 100


def test_writes_hours_apart_are_separate_findings() -> None:
    assert len(_run([_put(0), _put(150)])) == 2


def test_redelivered_writes_are_not_counted_twice() -> None:
    records = [_put(0, "a"), _put(5, "b")]
    [finding] = _run(records + copy.deepcopy(records))
    assert finding.evidence["changes_in_window"] == 2


def test_aws_service_writes_are_ignored() -> None:
    rec = _put(0)
    rec["userIdentity"] = {"type": "AWSService", "invokedBy": "s3.amazonaws.com"}
    assert not _run([rec])


def test_object_key_read_from_resources_when_the_parameter_is_absent() -> None:
    rec = _put(0, "curated/from-arn.jsonl")
    del rec["requestParameters"]["key"]
    [finding] = _run([rec])
    assert finding.evidence["object_keys"] == ["curated/from-arn.jsonl"]


def test_ai_role_may_write_learned_buckets_but_not_protected_ones() -> None:
    job, write = _case("execution_role_writes_its_learned_bucket", "negative")
    assert not _run([job, write], AidrConfig())
    [finding] = _run([job, write], AidrConfig(protected_data_buckets=["ranker-train-data"]))
    assert finding.severity == "high"


def test_learned_bucket_severity_follows_the_operation() -> None:
    create_ds, delete = _case("delete_in_learned_knowledge_base_bucket")
    put = copy.deepcopy(delete)
    put["eventName"] = "PutObject"
    acl = copy.deepcopy(delete)
    acl["eventName"] = "PutObjectAcl"
    assert [f.severity for f in _run([create_ds, delete], AidrConfig())] == ["high"]
    assert [f.severity for f in _run([create_ds, put], AidrConfig())] == ["medium"]
    assert [f.severity for f in _run([create_ds, acl], AidrConfig())] == ["low"]


def test_rollback_needs_a_version_of_the_same_object() -> None:
    job, copy_rec = _case("copy_restores_older_version_of_training_file")
    [finding] = _run([job, copy_rec], AidrConfig())
    assert finding.evidence["restored_old_version"] is True
    copy_rec["requestParameters"]["x-amz-copy-source"] = "churn-features-train/v2/part-0000.parquet?versionId=abc"
    [finding] = _run([job, copy_rec], AidrConfig())
    assert finding.evidence["restored_old_version"] is False and finding.severity == "medium"


def test_rollback_recognised_in_a_url_encoded_copy_source() -> None:
    """S3 requires x-amz-copy-source URL-encoded (botocore percent-encodes the key, '=' of Hive partitions included);
    the ``key`` parameter is the decoded key."""
    job, copy_rec = _case("copy_restores_older_version_of_training_file")
    key = "v3/dt=2026-03-04/part 0000.parquet"
    copy_rec["requestParameters"]["key"] = key
    copy_rec["resources"][0]["ARN"] = f"arn:aws:s3:::churn-features-train/{key}"
    for source in ("/churn-features-train/v3/dt%3D2026-03-04/part%200000.parquet?versionId=3HL4kqtJlcpX",
                   "churn-features-train%2Fv3%2Fdt%3D2026-03-04%2Fpart%200000.parquet?versionId=3HL4kqtJlcpX"):
        copy_rec["requestParameters"]["x-amz-copy-source"] = source
        [finding] = _run([job, copy_rec], AidrConfig())
        assert finding.evidence["restored_old_version"] is True and finding.severity == "high", source


def test_mistyped_resources_entries_are_skipped() -> None:
    rec = _put(0, "curated/typed.jsonl")
    rec["resources"] = ["arn:aws:s3:::ml-training-data-prod/curated/typed.jsonl", *rec["resources"]]
    [finding] = _run([rec])
    assert finding.evidence["object_keys"] == ["curated/typed.jsonl"]
