"""ForwardInvocationLogsFunction: Bedrock model-invocation logs (CloudWatch Logs subscription or S3) to the aidr bus.

Thin by design: decoding, batching, retries, offload and dead letters live in :mod:`aidr.logs`.
"""

from typing import Any

from aidr.logs.run import forward_event
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
tracer = Tracer()
metrics = Metrics()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return forward_event(event, metrics=metrics)
