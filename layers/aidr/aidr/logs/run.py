"""ForwardInvocationLogsFunction's runtime: one Lambda event in (CloudWatch Logs or S3), records on the bus out.

Environment: ``AIDR_EVENT_BUS`` (required), ``AIDR_OFFLOAD_BUCKET`` (oversize records and dead letters),
``AIDR_FORWARD_DLQ_URL`` (SQS queue for what cannot be delivered).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools import Logger

from ..errors import ConfigError, InputError
from ..runtime.clients import Clients
from ..runtime.metrics import count
from .forwarder import Forwarder, ForwardResult
from .sources import BadRecord, Item, S3Object, records_from_awslogs, records_from_object, s3_objects

logger = Logger(child=True)

ENV_BUS = "AIDR_EVENT_BUS"
ENV_OFFLOAD_BUCKET = "AIDR_OFFLOAD_BUCKET"
ENV_DLQ_URL = "AIDR_FORWARD_DLQ_URL"
# An S3 log object larger than this is dead-lettered by location rather than read into memory.
MAX_OBJECT_BYTES = 128 * 1024 * 1024
# S3 errors that will not go away on retry: the object is reported, the batch goes on.
PERMANENT_S3_ERRORS = frozenset({"NoSuchKey", "AccessDenied", "InvalidObjectState", "NoSuchBucket"})


@dataclass(frozen=True)
class ForwarderSettings:
    bus: str
    offload_bucket: str | None
    dlq_url: str | None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ForwarderSettings:
        env = os.environ if env is None else env
        bus = env.get(ENV_BUS)
        if not bus:
            raise ConfigError(f"environment variable {ENV_BUS} is not set", key=ENV_BUS)
        return cls(bus, env.get(ENV_OFFLOAD_BUCKET) or None, env.get(ENV_DLQ_URL) or None)


def _object_records(obj: S3Object, s3: Any, result: ForwardResult) -> Iterator[Item]:
    if not obj.is_log_file:
        result.skipped += 1
        return
    if obj.size is not None and obj.size > MAX_OBJECT_BYTES:
        yield BadRecord(obj.uri, f"object of {obj.size} bytes exceeds {MAX_OBJECT_BYTES}; process it with aidr replay")
        return
    try:
        data = s3.get_object(Bucket=obj.bucket, Key=obj.key)["Body"].read()
    except Exception as e:
        code = getattr(e, "response", {}).get("Error", {}).get("Code")
        if code in PERMANENT_S3_ERRORS:
            yield BadRecord(obj.uri, f"cannot read object: {code}")
            return
        raise  # transient: Lambda retries the notification
    yield from records_from_object(obj, data)


def forward_event(
    event: Any,
    *,
    metrics: Any = None,
    settings: ForwarderSettings | None = None,
    clients: Clients | None = None,
    sleep: Any = None,
) -> dict[str, Any]:
    """Forward the invocation-log records of one Lambda event to the aidr bus.

    Parameters
    ----------
    event : dict
        A CloudWatch Logs subscription event (``awslogs.data``), an S3 object-created notification (direct,
        via SQS, or as an EventBridge ``Object Created`` event).
    metrics : aws_lambda_powertools.Metrics, optional
        Receives Records, Forwarded, Offloaded, Retried, DeadLettered, Unreadable, Skipped.
    settings, clients : optional
        From the environment and :func:`aidr.aws.client` when omitted (tests inject moto clients).

    Returns
    -------
    dict
        The counts of :class:`~aidr.logs.forwarder.ForwardResult`.

    Raises
    ------
    InputError
        The event is of no supported kind.
    ForwardError
        Something could be neither delivered nor dead-lettered (Lambda retries the event).
    """
    if not isinstance(event, dict):
        raise InputError(f"expected a JSON object, got {type(event).__name__}", "event")
    settings = settings or ForwarderSettings.from_env()
    clients = clients or Clients()
    forwarder = Forwarder(
        settings.bus,
        clients("events"),
        s3=clients("s3") if settings.offload_bucket else None,
        sqs=clients("sqs") if settings.dlq_url else None,
        offload_bucket=settings.offload_bucket,
        dlq_url=settings.dlq_url,
        **({"sleep": sleep} if sleep else {}),
    )
    pre = ForwardResult()
    if "awslogs" in event:
        items: Iterator[Item] = records_from_awslogs(event)
    else:
        objects = s3_objects(event)
        if not objects:
            if event.get("Event") == "s3:TestEvent":  # sent once when a notification is configured
                return pre.as_metrics()
            raise InputError("not a CloudWatch Logs subscription event (awslogs) nor an S3 object-created "
                             "notification", "event")
        s3 = clients("s3")
        items = (item for obj in objects for item in _object_records(obj, s3, pre))
    result = forwarder.forward(items)
    result.skipped += pre.skipped
    for problem in result.problems:
        logger.warning("invocation-log record not forwarded as is", extra={"problem": problem})
    counts = result.as_metrics()
    for name, value in counts.items():
        count(metrics, name, value)
    logger.info("invocation logs forwarded", extra=counts)
    return counts
