"""StartPlaybookFunction: a finding on the aidr bus (PlaybookRule) starts its containment playbook, once.

Thin by design: the mapping and the idempotent start live in :mod:`aidr.playbooks.start`.
"""

from typing import Any

from aidr.playbooks.start import start_from_event
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
tracer = Tracer()
metrics = Metrics()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    result = start_from_event(event)
    logger.info("playbook start", extra=result)
    metrics.add_metric(name="PlaybooksStarted", unit="Count", value=int(result["started"]))
    return result
