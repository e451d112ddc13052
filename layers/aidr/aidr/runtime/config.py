"""The aidr config document from SSM, read once per container and kept for a few minutes.

A missing, unreadable or invalid parameter raises :class:`~aidr.errors.ConfigError` naming the parameter on
every invocation (failures are not cached): detectors never run without their controls (fail closed).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..config import AidrConfig

CONFIG_TTL_SECONDS = 300.0

_cache: dict[str, tuple[float, AidrConfig]] = {}


def get_config(
    parameter: str,
    ssm_client: Any = None,
    ttl_seconds: float = CONFIG_TTL_SECONDS,
    clock: Callable[[], float] = time.monotonic,
) -> AidrConfig:
    """The config in SSM parameter ``parameter``, from the container's cache when younger than ``ttl_seconds``."""
    now = clock()
    hit = _cache.get(parameter)
    if hit is not None and now - hit[0] < ttl_seconds:
        return hit[1]
    from ..config import load_config_from_ssm

    config = load_config_from_ssm(parameter, ssm_client)
    _cache[parameter] = (now, config)
    return config


def clear_config_cache() -> None:
    """Forget cached configs (tests; a deploy that must take effect at once starts new containers anyway)."""
    _cache.clear()
