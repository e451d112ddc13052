"""Errors raised by aidr. Each names what failed and where, so an operator knows what to fix."""

from __future__ import annotations


class AidrError(Exception):
    """Base of every aidr error."""


class ConfigError(AidrError):
    """The configuration document is invalid; the message names the key."""

    def __init__(self, message: str, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key


class InputError(AidrError):
    """A record could not be read; the message names the source and the line or index."""

    def __init__(self, message: str, source: str = "<input>", location: str | int | None = None) -> None:
        where = f"{source}:{location}" if location is not None else source
        super().__init__(f"{where}: {message}")
        self.source = source
        self.location = location
        self.reason = message


class TemplateError(AidrError):
    """template.yaml could not be read or uses a construct aidr does not support."""


class GuardRefused(AidrError):
    """A containment guard refused to act (protected principal, foreign account, ...)."""


class ActionFailed(AidrError):
    """A containment action failed to apply."""


class ActionPending(ActionFailed):
    """A change cannot run yet (an endpoint still deleting, a notebook still stopping): the state machines retry it
    for minutes (``ActionPending`` retrier), where an ``ActionFailed`` gets two quick retries only."""


class VerifyFailed(AidrError):
    """A containment action applied but its effect could not be verified."""
