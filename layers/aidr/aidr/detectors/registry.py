"""The detector registry: detection-as-code, after Cloud Custodian's registry and Panther's rule metadata.

A detector is a function registered with its metadata::

    @detector(
        id="bedrock.invocation_logging_deleted",
        title="Bedrock model invocation logging deleted",
        category="logging-tampering",
        severity="high",
        phase="foundational",
        techniques=["T1562.008"],
        playbook="restore-logging",
        function="DetectBedrockFunction",
        events=[{"source": ["aws.bedrock"], "detail-type": ["AWS API Call via CloudTrail"],
                 "detail": {"eventName": ["DeleteModelInvocationLoggingConfiguration"]}}],
    )
    def detect(event: Envelope, ctx: DetectContext) -> Iterable[Finding]:
        ...

``events`` are EventBridge patterns: the detector only sees envelopes they match, and a test proves
each is covered by a rule in template.yaml that targets ``function``.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from ..findings.model import Layer, Phase, Severity
from ..routing.pattern import EventMatcher, compile_pattern
from ..taxonomy import CATEGORY_LAYER, PLAYBOOKS, Category

if TYPE_CHECKING:
    from ..findings.model import Finding
    from .context import DetectContext

DetectFn = Callable[[dict[str, Any], "DetectContext"], Iterable["Finding"]]

_ID = re.compile(r"^[a-z0-9]+(?:_[a-z0-9]+)*\.[a-z0-9]+(?:_[a-z0-9]+)*$")
_TECHNIQUE = re.compile(r"^(T\d{4}(\.\d{3})?|AML\.T\d{4}(\.\d{3})?)$")
_FUNCTION = re.compile(r"^Detect[A-Z][A-Za-z]+Function$")


class DetectorMeta(BaseModel):
    """What a detector declares; validated at registration so a bad detector fails import, not production."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    title: str
    category: Category
    severity: Severity
    layer: Layer | None = None  # defaults to the category's layer
    phase: Phase
    techniques: list[str]
    playbook: str | None = None
    function: str
    events: list[dict[str, Any]]
    description: str = ""
    false_positives: list[str] = []
    references: list[str] = []

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not _ID.match(v):
            raise ValueError(f"detector id {v!r} must look like '<service>.<behaviour>' in snake_case")
        return v

    @field_validator("techniques")
    @classmethod
    def _techniques(cls, v: list[str]) -> list[str]:
        bad = [t for t in v if not _TECHNIQUE.match(t)]
        if bad:
            raise ValueError(f"not ATT&CK/ATLAS technique ids: {bad}")
        return v

    @field_validator("playbook")
    @classmethod
    def _playbook(cls, v: str | None) -> str | None:
        if v is not None and v not in PLAYBOOKS:
            raise ValueError(f"unknown playbook {v!r}; known: {PLAYBOOKS}")
        return v

    @field_validator("function")
    @classmethod
    def _function(cls, v: str) -> str:
        if not _FUNCTION.match(v):
            raise ValueError(f"function {v!r} must be a template logical id like 'DetectBedrockFunction'")
        return v

    @field_validator("events")
    @classmethod
    def _events(cls, v: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if not v:
            raise ValueError("a detector reads at least one event pattern")
        for p in v:
            compile_pattern(p)
        return v

    @model_validator(mode="after")
    def _layer(self) -> DetectorMeta:
        expected = CATEGORY_LAYER[self.category]
        if self.layer is None:
            object.__setattr__(self, "layer", expected)
        elif self.layer != expected:
            raise ValueError(f"layer {self.layer!r} disagrees with category {self.category!r} ({expected})")
        return self


@dataclass(frozen=True)
class Detector:
    meta: DetectorMeta
    fn: DetectFn
    matchers: tuple[EventMatcher, ...] = field(repr=False, compare=False)

    @property
    def id(self) -> str:
        return self.meta.id

    def wants(self, event: dict[str, Any]) -> bool:
        return any(m(event) for m in self.matchers)


REGISTRY: dict[str, Detector] = {}


def detector(**meta: Any) -> Callable[[DetectFn], DetectFn]:
    """Register a detection function with its metadata (see module docstring)."""
    m = DetectorMeta(**meta)

    def wrap(fn: DetectFn) -> DetectFn:
        if m.id in REGISTRY and REGISTRY[m.id].fn.__qualname__ != fn.__qualname__:
            raise ValueError(f"detector id {m.id!r} registered twice")
        REGISTRY[m.id] = Detector(m, fn, tuple(compile_pattern(p) for p in m.events))
        fn.meta = m  # type: ignore[attr-defined]
        return fn

    return wrap


_loaded = False


def load_all() -> dict[str, Detector]:
    """Import every module under ``aidr.detectors`` so their decorators run; returns the registry."""
    global _loaded
    if not _loaded:
        from .. import detectors as pkg

        for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
            importlib.import_module(info.name)
        _loaded = True
    return REGISTRY


def detectors_for(function: str | None = None) -> list[Detector]:
    """The detectors a Lambda function runs (all of them when ``function`` is None), in id order."""
    reg = load_all()
    return sorted((d for d in reg.values() if function is None or d.meta.function == function), key=lambda d: d.id)
