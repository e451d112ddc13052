"""The one place that makes boto3 clients: shared retry config, cached per service and region."""

from __future__ import annotations

import functools
from typing import Any

import boto3
from botocore.config import Config

RETRY_CONFIG = Config(retries={"max_attempts": 8, "mode": "adaptive"}, user_agent_extra="aidr/0.1")


@functools.lru_cache(maxsize=64)
def _cached(service: str, region: str | None) -> Any:
    return boto3.session.Session().client(service, region_name=region, config=RETRY_CONFIG)


def client(service: str, region: str | None = None, session: boto3.session.Session | None = None) -> Any:
    """Return a boto3 client. Pass ``session`` to use other credentials (e.g. an assumed role)."""
    if session is not None:
        return session.client(service, region_name=region, config=RETRY_CONFIG)
    return _cached(service, region)


def reset_clients() -> None:
    """Forget cached clients (tests switch between moto contexts)."""
    _cached.cache_clear()


def error_code(exc: BaseException) -> str:
    """The AWS error code of a botocore ``ClientError`` (``"NoSuchKey"``, ``"AccessDenied"``...); "" otherwise.

    >>> from botocore.exceptions import ClientError
    >>> error_code(ClientError({"Error": {"Code": "NoSuchKey", "Message": "gone"}}, "GetObject"))
    'NoSuchKey'
    >>> error_code(ValueError("not from AWS"))
    ''
    """
    response = getattr(exc, "response", None)
    error = response.get("Error") if isinstance(response, dict) else None
    return str(error.get("Code") or "") if isinstance(error, dict) else ""
