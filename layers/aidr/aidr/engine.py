"""Run the detectors a function owns over one envelope. Used by Lambda handlers, replay and tests."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from aws_lambda_powertools import Logger

from .config import AidrConfig
from .detectors.context import DetectContext
from .detectors.registry import Detector, detectors_for
from .findings.model import Finding
from .normalize.timeutil import parse_time
from .state.base import StateStore

logger = Logger(child=True)


class Engine:
    """Detectors of one function (or all), sharing config, state and counters.

    Examples
    --------
    >>> from aidr.state import MemoryState
    >>> engine = Engine(AidrConfig(), MemoryState(), function="DetectBedrockFunction")
    >>> engine.process({"source": "aws.s3", "detail-type": "x", "detail": {}})
    []
    """

    def __init__(
        self,
        config: AidrConfig,
        state: StateStore,
        function: str | None = None,
        detectors: Iterable[Detector] | None = None,
    ) -> None:
        self.detectors = list(detectors) if detectors is not None else detectors_for(function)
        self.ctx = DetectContext(config=config, state=state)

    @property
    def counters(self) -> Counter[str]:
        return self.ctx.counters

    def process(self, event: dict[str, Any]) -> list[Finding]:
        t = parse_time(event.get("time"))
        if t is not None:
            self.ctx.fallback_time = t
        out: list[Finding] = []
        for d in self.detectors:
            if not d.wants(event):
                continue
            try:
                out.extend(d.fn(event, self.ctx))
            except Exception:
                # A detector bug must not hide other detectors' findings, but it must be loud: counted,
                # logged with the event id, and re-raised by handlers that need Lambda to retry.
                self.ctx.counters[f"detector_error:{d.id}"] += 1
                logger.exception("detector failed", extra={"detector": d.id, "event_id": event.get("id")})
                raise
        return out
