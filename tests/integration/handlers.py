"""Load the Lambda handlers in process, as the runtime would (``app.handler`` under each function's CodeUri)."""

from __future__ import annotations

import importlib.util
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from tests.conftest import EVENTS, ROOT
from tests.integration.moto_account import template_resources

_modules: dict[str, ModuleType] = {}


def functions() -> dict[str, Path]:
    """Logical id -> handler file of every AWS::Serverless::Function in template.yaml."""
    resources = template_resources()
    return {
        lid: ROOT / res["Properties"]["CodeUri"] / "app.py"
        for lid, res in resources.items()
        if res.get("Type") == "AWS::Serverless::Function" and "CodeUri" in res.get("Properties", {})
    }


def load_handler(function_id: str) -> Any:
    """The ``handler`` of ``function_id``, imported once per test session under a unique module name."""
    if function_id not in _modules:
        path = functions()[function_id]
        spec = importlib.util.spec_from_file_location(f"aidr_handler_{function_id}", path)
        assert spec and spec.loader, path
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _modules[function_id] = module
    return _modules[function_id].handler


def samples(prefix: str = "") -> list[Path]:
    """Every ``events/<FunctionLogicalId>/<case>.json`` whose function id starts with ``prefix``."""
    return sorted(p for p in EVENTS.glob("*/*.json") if p.parent.name.startswith(prefix))


@dataclass
class FakeContext:
    """The attributes of Lambda's context object that Powertools and the runtime read."""

    function_name: str
    memory_limit_in_mb: int = 512
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    remaining_ms: int = 60_000

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:us-east-1:123456789012:function:{self.function_name}"

    @property
    def function_version(self) -> str:
        return "$LATEST"

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms
