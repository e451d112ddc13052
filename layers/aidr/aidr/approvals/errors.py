"""Why a decision was refused. Each maps to one HTTP status in the API and one exit status in the CLI."""

from __future__ import annotations

from ..errors import AidrError


class ApprovalError(AidrError):
    """Base of the approval errors; ``status`` is the HTTP status the API answers with."""

    status = 400


class BadRequest(ApprovalError):
    """The decision is malformed (unknown decision, missing reason)."""


class NotAuthenticated(ApprovalError):
    """No verifiable caller: an unsigned request, a bad or stale Slack signature."""

    status = 401


class Forbidden(ApprovalError):
    """The caller is authenticated but may not decide this approval (not an approver, or its own containment)."""

    status = 403


class NotFound(ApprovalError):
    """No approval has this id."""

    status = 404


class AlreadyResolved(ApprovalError):
    """The approval was decided already, or its wait ended (timed out, execution gone): nothing to decide."""

    status = 409
