"""The Lambda runtime: the one library call each thin handler in ``functions/`` makes.

- :func:`run_detectors` for the detector functions (EventBridge event -> findings on the aidr bus);
- :func:`record_finding` for RecordFindingFunction (finding -> DynamoDB, SNS, Security Hub).

Settings come from the environment (:class:`Settings`), the aidr config from SSM (:func:`get_config`, cached per
container), boto3 clients from :func:`aidr.aws.client` unless injected (:class:`Clients`). Importing this package
is cheap: engines, pydantic models and boto3 load on the first invocation.

Metrics (Powertools, namespace ``POWERTOOLS_METRICS_NAMESPACE``): ``EventsProcessed``, ``EventsSkippedDuplicate``,
``FindingsEmitted`` (dimension ``category``), ``DetectorDropped`` (dimension ``reason``: the engine's counters of
things dropped on purpose, and detector errors), ``FindingsNew``, ``FindingsMerged``, ``NotificationsSent``,
``SecurityHubImported``.

Examples
--------
A handler (``functions/detect_bedrock/app.py``)::

    @logger.inject_lambda_context
    @tracer.capture_lambda_handler
    @metrics.log_metrics
    def handler(event, context):
        return run_detectors("DetectBedrockFunction", event, context=context, metrics=metrics)
"""

from .clients import Clients
from .config import clear_config_cache, get_config
from .detect import run_detectors
from .errors import ExportFailed, PublishFailed
from .record import record_finding
from .settings import Settings

__all__ = [
    "Clients",
    "ExportFailed",
    "PublishFailed",
    "Settings",
    "clear_config_cache",
    "get_config",
    "record_finding",
    "run_detectors",
]
