"""RecordFindingFunction: findings on the aidr bus: store, notify, export (FindingRule).

Thin by design: everything but the Powertools wiring lives in :mod:`aidr.runtime`.
"""

from typing import Any

from aidr.runtime import record_finding
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
tracer = Tracer()
metrics = Metrics()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return record_finding(event, context=context, metrics=metrics)
