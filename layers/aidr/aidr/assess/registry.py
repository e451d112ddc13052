"""The check registry: ``@check(...)`` registers a function under its id (Cloud Custodian's registry by decorator).

A check is ``fn(ctx, region) -> Iterable[Result]``. Regional checks (``scope="region"``) run once per assessed
region; account checks run once with the home region. The runner turns AWS errors into COULD_NOT_ASSESS, so a
check only says what it saw.

Examples
--------
>>> from aidr.assess.registry import all_checks
>>> len(all_checks()) >= 60
True
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .model import CheckMeta, Result

if TYPE_CHECKING:
    from .context import AssessContext

CheckFn = Callable[["AssessContext", str], Iterable[Result]]


@dataclass(frozen=True)
class Check:
    meta: CheckMeta
    fn: CheckFn


_REGISTRY: dict[str, Check] = {}


def check(
    *,
    id: str,
    title: str,
    layer: str,
    phase: str,
    severity: str,
    api_calls: Iterable[str],
    remediation: str,
    references: dict[str, Iterable[str]] | None = None,
    scope: str = "region",
) -> Callable[[CheckFn], CheckFn]:
    """Register the decorated function as the check ``id`` (metadata validated now, at import)."""
    meta = CheckMeta(
        id=id, title=title, layer=layer, phase=phase, severity=severity,  # type: ignore[arg-type]
        api_calls=tuple(api_calls), remediation=" ".join(remediation.split()),
        references={k: tuple(v) for k, v in (references or {}).items()}, scope=scope,  # type: ignore[arg-type]
    )

    def register(fn: CheckFn) -> CheckFn:
        if id in _REGISTRY and _REGISTRY[id].fn is not fn:
            raise ValueError(f"check {id!r} registered twice")
        _REGISTRY[id] = Check(meta, fn)
        return fn

    return register


def _load() -> None:
    from . import checks

    for mod in pkgutil.iter_modules(checks.__path__):
        importlib.import_module(f"{checks.__name__}.{mod.name}")


def all_checks() -> list[Check]:
    """Every registered check, in id order (check modules are imported on first call)."""
    _load()
    return [_REGISTRY[k] for k in sorted(_REGISTRY)]


def get(check_id: str) -> Check:
    _load()
    return _REGISTRY[check_id]
