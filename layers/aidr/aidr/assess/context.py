"""What every check gets: the account, the regions, cached clients, bounded pagination and a per-run memo.

Clients come from one boto3 session with :data:`aidr.aws.RETRY_CONFIG` (adaptive retry: throttling backs off),
cached per service and region. ``memo`` collects a listing once per run and lets many checks read it (Prowler's
"collect once, check many"); an error is memoised too, so a denied listing is asked once, and re-raised to every
check that needs it (each becomes COULD_NOT_ASSESS).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import boto3

    from ..config import AidrConfig

T = TypeVar("T")

# Histories that grow without bound (training jobs, customization jobs) are read newest first up to this many.
DEFAULT_LOOKBACK = 200


class _Raised:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


@dataclass
class AssessContext:
    """One assessment run.

    Parameters
    ----------
    session
        boto3 session whose credentials are assessed (the default chain when None).
    account
        The 12-digit account id (read with ``sts:GetCallerIdentity`` by :func:`aidr.assess.runner.assess`).
    regions
        Regions assessed; ``home_region`` runs the account-wide checks.
    lookback
        Most recent items read from unbounded histories.
    config
        aidr configuration: ``protected_data_buckets`` mark AI data buckets.
    """

    session: boto3.session.Session | None
    account: str
    regions: list[str]
    home_region: str = "us-east-1"
    lookback: int = DEFAULT_LOOKBACK
    config: AidrConfig | None = None
    _clients: dict[tuple[str, str], Any] = field(default_factory=dict, repr=False)
    _memo: dict[tuple[Any, ...], Any] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def client(self, service: str, region: str | None = None) -> Any:
        region = region or self.home_region
        key = (service, region)
        c = self._clients.get(key)
        if c is None:
            import boto3

            from ..aws import RETRY_CONFIG

            session = self.session or boto3.session.Session()
            c = self._clients[key] = session.client(service, region_name=region, config=RETRY_CONFIG)
        return c

    def memo(self, key: tuple[Any, ...], loader: Callable[[], T]) -> T:
        """``loader()`` once per key per run; its exception is kept and raised again to later callers."""
        if key not in self._memo:
            try:
                self._memo[key] = loader()
            except Exception as e:  # re-raised below and to every later caller
                self._memo[key] = _Raised(e)
        value = self._memo[key]
        if isinstance(value, _Raised):
            raise value.exc
        return value  # type: ignore[no-any-return]

    def paginate(self, service: str, region: str, operation: str, key: str, limit: int | None = None,
                 **params: Any) -> list[Any]:
        """Items under ``key`` across pages of ``operation``; at most ``limit`` (then pagination stops)."""
        items: list[Any] = []
        for item in self.iter_pages(service, region, operation, key, **params):
            items.append(item)
            if limit is not None and len(items) >= limit:
                break
        return items

    def iter_pages(self, service: str, region: str, operation: str, key: str, **params: Any) -> Iterator[Any]:
        c = self.client(service, region)
        if c.can_paginate(operation):
            for page in c.get_paginator(operation).paginate(**params):
                yield from page.get(key) or []
        else:
            yield from getattr(c, operation)(**params).get(key) or []

    @property
    def protected_buckets(self) -> list[str]:
        return list(self.config.protected_data_buckets) if self.config else []
