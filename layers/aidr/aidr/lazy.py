"""Package attributes that load their module on first use (PEP 562), to keep handler cold starts short.

A handler that imports ``aidr.normalize`` for the envelope alone should not pay for pydantic; the package
names the heavy attributes and where they live, and they are imported when first read.

Examples
--------
>>> __getattr__ = lazy_exports("aidr.normalize", {"ApiCall": ".cloudtrail"})  # in a package's __init__.py
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from importlib import import_module
from typing import Any


def lazy_exports(package: str, exports: dict[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` that imports ``exports[name]`` (relative to ``package``) on first access."""

    def __getattr__(name: str) -> Any:
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(exports[name], package), name)
        setattr(sys.modules[package], name, value)  # later reads are plain attribute lookups
        return value

    return __getattr__
