"""Powertools metrics of the runtime. Every helper accepts ``metrics=None`` (replay, tests, scripts)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any


def count(metrics: Any, name: str, value: float = 1) -> None:
    """Add ``value`` to metric ``name`` in the invocation's metric set (flushed by ``log_metrics``)."""
    if metrics is None or not value:
        return
    from aws_lambda_powertools.metrics import MetricUnit

    metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


def count_by(metrics: Any, name: str, dimension: str, values: Mapping[str, float], function: str) -> None:
    """One metric per value of ``dimension`` (e.g. FindingsEmitted by category).

    Dimensions of the shared metric set apply to all its metrics, so each of these is its own EMF blob
    (Powertools' ``single_metric``), carrying the service and function dimensions too.
    """
    if metrics is None:
        return
    from aws_lambda_powertools.metrics import MetricUnit, single_metric

    provider = getattr(metrics, "provider", None)
    namespace = getattr(provider, "namespace", None)
    service = getattr(provider, "service", None) or os.environ.get("POWERTOOLS_SERVICE_NAME", "aidr")
    for value_name, value in sorted(values.items()):
        if not value:
            continue
        dims = {"service": service, "function": function, dimension: value_name}
        with single_metric(name=name, unit=MetricUnit.Count, value=value, namespace=namespace,
                           default_dimensions=dims):
            pass
