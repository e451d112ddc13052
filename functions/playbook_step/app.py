"""PlaybookStepFunction: one step of a containment playbook, named in the payload by its state machine.

Thin by design: the steps live in :mod:`aidr.playbooks.steps`; the payload is ``{"step": "<name>", "run": {...},
...parameters}`` and the result is the updated run document.
"""

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
tracer = Tracer()
metrics = Metrics()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    logger.append_keys(step=event.get("step"), playbook=(event.get("run") or {}).get("playbook"),
                       finding_id=(event.get("run") or {}).get("finding_id"))
    # The actions library (boto3 models, pydantic) loads on the first step, not at import: as in aidr.runtime.
    from aidr.playbooks.steps import StepEnv, run_step

    result = run_step(event, StepEnv.from_env())
    metrics.add_metric(name="PlaybookSteps", unit="Count", value=1)
    return result
