"""The boto3 clients of one invocation: made on first use by :func:`aidr.aws.client`, or injected by tests."""

from __future__ import annotations

from typing import Any


class Clients:
    """Lazily made boto3 clients by service name; pass some in to stub or redirect them.

    Examples
    --------
    >>> clients = Clients(events="stubbed events client")
    >>> clients("events")
    'stubbed events client'
    """

    def __init__(self, **clients: Any) -> None:
        self._clients: dict[str, Any] = dict(clients)

    def __call__(self, service: str) -> Any:
        c = self._clients.get(service)
        if c is None:
            from ..aws import client

            c = self._clients[service] = client(service)
        return c
