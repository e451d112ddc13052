"""The detector functions' runtime: one EventBridge event in, findings on the aidr bus out, exactly once.

Order of work, and why:

1. settings, config and the envelope are checked before anything is written, so a misconfigured function
   fails without side effects (and Lambda keeps the event for the DLQ);
2. the event is claimed in the state table (``processed:<function>``): a re-delivery finds the claim and is
   skipped;
3. the function's detectors run and their findings are put on the aidr bus;
4. if 3 fails, the claim is released before the error propagates, so Lambda's retry runs the event again
   (detector state writes are idempotent by member id, and finding ids are deterministic).

A container killed between 2 and 4 (timeout, out of memory) keeps its claim and the retry is skipped;
publishing stops retrying before the deadline to keep that window small.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger

from .clients import Clients
from .envelope import dedup_id, event_ts, require_envelope
from .metrics import count, count_by
from .settings import Settings

if TYPE_CHECKING:
    from ..config import AidrConfig
    from ..state.base import StateStore

logger = Logger(child=True)

# Long enough to cover EventBridge's 24 h and Lambda's 6 h of retries, short enough to keep the table small.
CLAIM_TTL_SECONDS = 2 * 86400


def claim_key(function_id: str) -> str:
    return f"processed:{function_id}"


def run_detectors(
    function_id: str,
    event: Any,
    *,
    context: Any = None,
    metrics: Any = None,
    settings: Settings | None = None,
    clients: Clients | None = None,
    config: AidrConfig | None = None,
    state: StateStore | None = None,
) -> dict[str, Any]:
    """Run ``function_id``'s detectors on one EventBridge event and publish what they find.

    Parameters
    ----------
    function_id : str
        The template logical id, e.g. ``"DetectBedrockFunction"``: selects the detectors.
    event : dict
        The EventBridge event as Lambda receives it.
    context : LambdaContext, optional
        Its remaining time bounds the publish retries.
    metrics : aws_lambda_powertools.Metrics, optional
        Receives FindingsEmitted (per category), EventsSkippedDuplicate and the detectors' drop counters.
    settings, clients, config, state : optional
        Taken from the environment, :func:`aidr.aws.client`, SSM and the state table when omitted.

    Returns
    -------
    dict
        ``{"function", "event_id", "duplicate", "findings": [finding ids]}``.

    Raises
    ------
    ConfigError
        A required environment variable or the SSM config parameter is missing or invalid.
    InputError
        ``event`` is not an EventBridge event.
    PublishFailed
        Some findings could not be put on the bus; the claim was released.
    """
    event = require_envelope(event)
    settings = settings or Settings.from_env()
    clients = clients or Clients()
    bus = settings.require("event_bus")
    if config is None:
        from .config import get_config

        config = get_config(settings.require("config_parameter"), clients("ssm"))
    if state is None:
        from ..state.dynamodb import DynamoDBState

        state = DynamoDBState(settings.require("state_table"), clients("dynamodb"))
    from ..engine import Engine
    from .publish import finding_entry, put_events

    # Built before the claim: a detector module that fails to import must not leave the event claimed.
    engine = Engine(config, state, function=function_id)
    event_id = dedup_id(event)
    summary: dict[str, Any] = {"function": function_id, "event_id": event_id, "duplicate": False, "findings": []}
    if not state.first_time(claim_key(function_id), event_id, event_ts(event), ttl_seconds=CLAIM_TTL_SECONDS):
        logger.info("event already processed; skipped", extra={"event_id": event_id})
        count(metrics, "EventsSkippedDuplicate")
        return {**summary, "duplicate": True}

    try:
        event = _with_bodies_from_s3(event, settings, clients, engine, metrics)
        findings = engine.process(event)
        time_left = getattr(context, "get_remaining_time_in_millis", None)
        put_events(
            [finding_entry(f, bus) for f in findings],
            clients("events"),
            time_left=(lambda: time_left() / 1000) if time_left else None,
        )
    except Exception:
        _release(state, function_id, event_id)
        raise
    finally:
        count_by(metrics, "DetectorDropped", "reason", engine.counters, function_id)
    for f in findings:
        logger.info("finding published", extra={"finding_id": f.id, "detector": f.detector, "severity": f.severity})
    count(metrics, "EventsProcessed")
    count_by(metrics, "FindingsEmitted", "category", Counter(f.category for f in findings), function_id)
    return {**summary, "findings": [f.id for f in findings]}


def _with_bodies_from_s3(event: dict[str, Any], settings: Settings, clients: Clients, engine: Any,
                         metrics: Any) -> dict[str, Any]:
    """The event with what an invocation-log record keeps in S3 put back (see :mod:`aidr.logs.offload`): the full
    record behind a forwarder's offload pointer, and the bodies Bedrock wrote to its large-data bucket."""
    from ..normalize.envelope import INVOCATION_LOG

    detail = event["detail"]
    if event.get("detail-type") != INVOCATION_LOG:
        return event
    from ..logs.offload import keeps_content_in_s3, resolve_bedrock_bodies, resolve_offloaded

    if not keeps_content_in_s3(detail):
        return event

    s3 = clients("s3")
    detail, pointer_kept = resolve_offloaded(detail, s3, settings.offload_bucket)
    if pointer_kept:
        _not_read(engine, event, "dropped:offloaded record not read", [pointer_kept])
    elif detail is not event["detail"]:
        count(metrics, "OffloadedRecordsRead")
    detail, bodies, kept = resolve_bedrock_bodies(detail, s3, settings.body_bucket, settings.log_bucket)
    if kept:
        _not_read(engine, event, "dropped:invocation body in S3 not read", kept)
    if bodies:
        count(metrics, "InvocationBodiesRead", bodies)
    return event if detail is event["detail"] else {**event, "detail": detail}


def _not_read(engine: Any, event: dict[str, Any], counter: str, reasons: list[str]) -> None:
    # The metadata detectors still run; the content ones see only what was logged inline.
    engine.counters[counter] += len(reasons)
    logger.warning("invocation-log content in S3 not read; it is not scanned",
                   extra={"event_id": event.get("id"), "reasons": reasons})


def _release(state: StateStore, function_id: str, event_id: str) -> None:
    """Give the claim back so Lambda's retry processes the event; never hide the original error."""
    try:
        state.discard(claim_key(function_id), event_id)
    except Exception:
        logger.exception("could not release the claim; the retry will be skipped", extra={"event_id": event_id})
