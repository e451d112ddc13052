"""RecordFindingFunction's runtime: store a finding from the aidr bus, notify, export to Security Hub.

Each step is safe to repeat, so a failure anywhere raises and Lambda's retry redoes the whole event:

- the store merges (a re-delivered finding changes nothing);
- notification is claimed on the stored item (``notified_rank``): it goes out once per finding and severity,
  and a failed publish gives the claim back so the retry notifies;
- Security Hub import is an upsert by finding id, done on every delivery while enabled.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger

from ..errors import InputError
from .clients import Clients
from .envelope import require_envelope
from .metrics import count
from .publish import FINDING_DETAIL_TYPE
from .settings import Settings

if TYPE_CHECKING:
    from ..findings.model import Finding
    from ..findings.store import FindingStore, RecordResult

logger = Logger(child=True)


def parse_finding(event: dict[str, Any]) -> Finding:
    """The finding in an "aidr Finding" event's detail; InputError listing every invalid field otherwise."""
    from pydantic import ValidationError

    from ..findings.model import Finding

    try:
        return Finding.model_validate(event["detail"])
    except ValidationError as e:
        problems = "; ".join(f"{'.'.join(map(str, err['loc'])) or 'detail'}: {err['msg']}" for err in e.errors())
        raise InputError(f"detail is not a valid finding ({problems})", f"event {event['id']}") from None


def record_finding(
    event: Any,
    *,
    context: Any = None,
    metrics: Any = None,
    settings: Settings | None = None,
    clients: Clients | None = None,
    store: FindingStore | None = None,
) -> dict[str, Any]:
    """Store the finding carried by one "aidr Finding" event, then notify and export it as configured.

    Returns
    -------
    dict
        ``{"finding_id", "new", "escalated", "notified", "exported"}``.

    Raises
    ------
    InputError
        Not an "aidr Finding" EventBridge event, or its detail is not a valid finding.
    ConfigError
        A setting the enabled outputs need is missing (e.g. ``AIDR_TOPIC_ARN``).
    ExportFailed
        Security Hub refused the finding.
    """
    from ..normalize.envelope import AIDR_SOURCE

    event = require_envelope(event, source=AIDR_SOURCE, detail_type=FINDING_DETAIL_TYPE)
    finding = parse_finding(event)
    settings = settings or Settings.from_env()
    clients = clients or Clients()
    topic = settings.require("topic_arn")
    if store is None:
        from ..findings.store import FindingStore

        store = FindingStore(settings.require("findings_table"), clients("dynamodb"))

    result = store.record(finding)
    stored = result.finding
    logger.info("finding recorded", extra={"finding_id": stored.id, "new": result.new,
                                           "escalated": result.escalated, "severity": stored.severity})
    count(metrics, "FindingsNew" if result.new else "FindingsMerged")
    notified = _notify(result, settings, topic, clients, store)
    count(metrics, "NotificationsSent", int(notified))
    exported = False
    if settings.security_hub:
        from .securityhub import import_findings

        # Under this account's product (the account that put the event on the aidr bus).
        import_findings([stored], event["account"], event["region"], clients("securityhub"))
        exported = True
        count(metrics, "SecurityHubImported")
    return {"finding_id": stored.id, "new": result.new, "escalated": result.escalated,
            "notified": notified, "exported": exported}


def _notify(result: RecordResult, settings: Settings, topic: str, clients: Clients, store: FindingStore) -> bool:
    """Publish when the stored severity reaches the threshold and was not notified at this level yet."""
    from ..findings.model import SEVERITY_ORDER

    rank = SEVERITY_ORDER[result.finding.severity]
    if rank < SEVERITY_ORDER[settings.notify_min_severity] or rank <= result.notified_rank:
        return False
    if not store.claim_notification(result.finding.id, rank):
        return False  # a concurrent delivery of the same finding claimed it and notifies
    from .notify import publish_notification

    try:
        publish_notification(result.finding, topic, clients("sns"), escalated=result.escalated)
    except Exception:
        store.release_notification(result.finding.id, rank, result.notified_rank)
        raise
    return True
