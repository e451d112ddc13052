"""Errors of the Lambda runtime. Raising them fails the invocation, so Lambda retries and then dead-letters."""

from __future__ import annotations

from ..errors import AidrError


class PublishFailed(AidrError):
    """Findings could not be put on the aidr bus (after retries)."""


class ExportFailed(AidrError):
    """Security Hub refused findings of a BatchImportFindings call."""
