"""bedrock.invocation_logging_weakened (+ the deletion exemplar): last known configuration, ordering, conflicts."""

from __future__ import annotations

from typing import Any

import pytest
from aidr.config import AidrConfig
from aidr.detectors.bedrock.logging_weakened import last_known_logging_config, logging_config, logging_state_key
from aidr.state import MemoryState

from tests.unit.detectors.audit.tamper_records import ACCOUNT, FOREIGN, Live, call, user

WEAKENED = "bedrock.invocation_logging_weakened"
DELETED = "bedrock.invocation_logging_deleted"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/bedrock-logging"


def config(**flags: Any) -> dict[str, Any]:
    bucket = flags.pop("bucket", "acme-bedrock-logs")
    log_group = flags.pop("log_group", "/aws/bedrock/invocations")
    role = flags.pop("role", ROLE)
    c: dict[str, Any] = {f"{k}DataDeliveryEnabled": v for k, v in
                         {"text": True, "image": True, "embedding": True, "video": True, **flags}.items()}
    if bucket:
        c["s3Config"] = {"bucketName": bucket, "keyPrefix": "invocations/"}
    if log_group:
        c["cloudWatchConfig"] = {"logGroupName": log_group, "roleArn": role,
                                 "largeDataDeliveryS3Config": {"bucketName": "acme-bedrock-large"}}
    return c


def put(at: float, cfg: dict[str, Any] | None, **kw: Any) -> dict[str, Any]:
    rp = {"loggingConfig": cfg} if cfg is not None else None
    return call("PutModelInvocationLoggingConfiguration", "bedrock", rp, at=at, **kw)


def delete(at: float, **kw: Any) -> dict[str, Any]:
    return call("DeleteModelInvocationLoggingConfiguration", "bedrock", None, at=at, **kw)


def test_last_known_config_is_the_api_shape_and_survives_deletion() -> None:
    live = Live(WEAKENED, DELETED)
    live.send(put(0, {**config(), "unknownFutureField": 1}))
    expected = config()
    assert last_known_logging_config(live.state, ACCOUNT, "us-east-1") == expected
    [deleted] = live.send(delete(10))
    assert deleted.evidence["last_known_configuration"] is True
    assert last_known_logging_config(live.state, ACCOUNT, "us-east-1") == expected  # what restore-logging puts back
    assert last_known_logging_config(live.state, ACCOUNT, "eu-west-1") is None  # per region


def test_text_off_is_high_against_state_low_on_first_sight() -> None:
    live = Live(WEAKENED)
    assert live.one(put(0, config())) is None
    known = live.one(put(10, config(text=False)))
    assert known is not None and known.severity == "high" and known.evidence["weaknesses"] == ["text_delivery_off"]
    blind = Live(WEAKENED).one(put(0, config(text=False)))
    assert blind is not None and blind.severity == "low" and not blind.evidence["previous_configuration_known"]


def test_string_booleans_and_omitted_flags() -> None:
    # An omitted flag delivers (the service default); "false" strings come from some exporters.
    assert Live(WEAKENED).one(put(0, {"s3Config": {"bucketName": "b"}})) is None
    found = Live(WEAKENED).one(put(0, {**config(), "textDataDeliveryEnabled": "false",
                                       "imageDataDeliveryEnabled": "false", "embeddingDataDeliveryEnabled": "false",
                                       "videoDataDeliveryEnabled": "false", "audioDataDeliveryEnabled": "false"}))
    assert found is not None and found.evidence["weaknesses"] == ["all_delivery_off"]


@pytest.mark.parametrize(
    ("after", "severity", "codes"),
    [
        (config(bucket="other-bucket"), "medium", ["s3_bucket_moved"]),
        (config(bucket=None), "medium", ["s3_bucket_removed"]),
        (config(log_group="/other"), "medium", ["log_group_moved"]),
        (config(image=False), "medium", ["image_delivery_off"]),
        (config(embedding=False), "low", ["embedding_delivery_off"]),
        (config(role=f"arn:aws:iam::{FOREIGN}:role/relay"), "high", ["foreign_delivery_role"]),
        (config(text=False, image=False, embedding=False, video=False, audio=False), "high", ["all_delivery_off"]),
    ],
)
def test_what_a_put_weakens(after: dict[str, Any], severity: str, codes: list[str]) -> None:
    live = Live(WEAKENED)
    live.send(put(0, config()))
    found = live.one(put(10, after))
    assert found is not None and found.severity == severity and found.evidence["weaknesses"] == codes


def test_delete_then_weaker_put_is_compared_with_the_config_before_deletion() -> None:
    live = Live(WEAKENED, DELETED)
    live.send(put(0, config()), delete(10))
    found = live.one(put(20, config(text=False, bucket=None)))
    assert found is not None and found.severity == "high"
    assert found.evidence["previously_deleted"] is True
    assert found.evidence["weaknesses"] == ["text_delivery_off", "s3_bucket_removed"]
    # Restoring the same configuration after a deletion is not a weakening.
    live.send(delete(30))
    assert live.one(put(40, config(text=False, bucket=None))) is None


def test_out_of_order_older_put_does_not_overwrite_newer_state() -> None:
    live = Live(WEAKENED)
    live.send(put(100, config(text=False), key="new"))  # first sight: low
    late = live.one(put(50, config(), key="old"))  # older event delivered late: judged on its own
    assert late is None
    assert last_known_logging_config(live.state, ACCOUNT, "us-east-1") == config(text=False)


def test_redelivery_reproduces_the_finding_without_touching_state() -> None:
    live = Live(WEAKENED)
    live.send(put(0, config()))
    weakening = put(10, config(text=False))
    first = live.one(weakening)
    live.send(put(20, config(text=False, image=False)))
    again = live.one(weakening)
    assert first is not None and again is not None
    assert (again.id, again.severity, again.evidence) == (first.id, first.severity, first.evidence)
    assert last_known_logging_config(live.state, ACCOUNT, "us-east-1") == config(text=False, image=False)


def test_a_concurrent_writer_between_read_and_write_is_taken_into_account() -> None:
    class Racing(MemoryState):
        raced = False

        def put(self, key: str, value: dict[str, Any], expected_version: int, ttl_seconds: int | None = None) -> bool:
            if not self.raced and key == logging_state_key(ACCOUNT, "us-east-1"):
                self.raced = True  # another invocation stores the full configuration first
                super().put(key, {"value": config(), "deleted": False, "event_id": "other", "ts": 1.0,
                                  "recent": []}, expected_version)
            return super().put(key, value, expected_version, ttl_seconds)

    live = Live(WEAKENED, state=Racing())
    found = live.one(put(10, config(text=False)))
    # Without the retry this would be judged blind (low); against the winner's full config it is high.
    assert found is not None and found.severity == "high"


def test_unrecorded_configuration_is_low_and_leaves_state_alone() -> None:
    live = Live(WEAKENED)
    live.send(put(0, config()))
    found = live.one(put(10, None))
    assert found is not None and found.severity == "low"
    assert last_known_logging_config(live.state, ACCOUNT, "us-east-1") == config()


def test_failed_put_changes_nothing_and_trusted_principal_is_lowered() -> None:
    live = Live(WEAKENED, config=AidrConfig(trusted_principals=[f"arn:aws:iam::{ACCOUNT}:role/ml-platform-deployer"]))
    live.send(put(0, config()))
    assert live.one(put(10, config(text=False), who=user(), error="AccessDenied")) is None
    assert last_known_logging_config(live.state, ACCOUNT, "us-east-1") == config()
    found = live.one(put(20, config(text=False)))
    assert found is not None and found.severity == "medium"


def test_logging_config_drops_unknown_members() -> None:
    assert logging_config({"loggingConfig": {"s3Config": {"bucketName": "b", "x": 1}, "bogus": True}}) == {
        "s3Config": {"bucketName": "b"}}
    assert logging_config({"loggingConfig": "HIDDEN"}) is None
