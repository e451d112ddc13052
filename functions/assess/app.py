"""AssessFunction: the scheduled assessment (EventBridge Scheduler, daily): results to Security Hub and the bus.

Thin by design: everything but the Powertools wiring lives in :mod:`aidr.assess.scheduled`.
"""

from typing import Any

from aidr.assess.scheduled import run_scheduled_assessment
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
tracer = Tracer()
metrics = Metrics()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    result = run_scheduled_assessment(time_left=lambda: context.get_remaining_time_in_millis() / 1000)
    for status, n in result["counts"].items():
        metrics.add_metric(name=f"Assessment{status.title().replace('_', '')}", unit="Count", value=n)
    logger.info("assessment done", extra={"phase_reached": result["phase_reached"], "counts": result["counts"]})
    return result
