"""ApprovalApiFunction: the approvals API (API Gateway, AWS_IAM): show an approval, decide it.

Thin by design: everything but the Powertools wiring lives in :mod:`aidr.approvals`.
"""

from typing import Any

from aidr.approvals.handlers import api
from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
tracer = Tracer()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return api(event)
