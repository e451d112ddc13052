"""DetectDataFunction: writes and policy changes on training and knowledge-base data in S3 (DataChangeRule).

Thin by design: everything but the Powertools wiring lives in :mod:`aidr.runtime`.
"""

from typing import Any

from aidr.runtime import run_detectors
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

FUNCTION_ID = "DetectDataFunction"
logger = Logger()
tracer = Tracer()
metrics = Metrics()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return run_detectors(FUNCTION_ID, event, context=context, metrics=metrics)
