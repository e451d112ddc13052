"""Load the Lambda handlers in process, as the runtime would (``app.handler`` under each function's CodeUri)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

from aidr_cli.embedded.lambda_context import LambdaContext as FakeContext

from tests.conftest import EVENTS, ROOT
from tests.integration.moto_account import template_resources

__all__ = ["FakeContext", "functions", "load_handler", "samples"]

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


def published_findings(account: Any) -> list[Any]:
    """Findings put on the aidr bus since the last read (``account`` has ``bus_events()``: moto or sam-local)."""
    from aidr.findings.model import Finding

    out = []
    for ev in account.bus_events():
        assert (ev["source"], ev["detail-type"]) == ("aidr", "aidr Finding"), ev
        out.append(Finding.model_validate(ev["detail"]))  # the bus carries valid finding JSON
    return out
