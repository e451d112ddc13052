"""A typed, read-only view over one CloudTrail record."""

from __future__ import annotations

from datetime import datetime
from functools import cached_property
from typing import Any

from ..findings.model import Principal, Resource
from .timeutil import parse_time

# Errors Bedrock returns when a caller probes what a stolen key can do.
PROBE_ERROR_CODES = frozenset(
    {"ValidationException", "AccessDenied", "AccessDeniedException", "ResourceNotFoundException"}
)


def _str(v: Any) -> str | None:
    return v if isinstance(v, str) and v else None


def _dict(v: Any) -> dict[str, Any]:
    return v if isinstance(v, dict) else {}


class ApiCall:
    """One CloudTrail API-call record. Every accessor tolerates absent or mistyped fields."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw

    # --- what happened
    @property
    def event_id(self) -> str | None:
        return _str(self.raw.get("eventID"))

    @property
    def event_name(self) -> str:
        return _str(self.raw.get("eventName")) or ""

    @property
    def event_source(self) -> str:
        return _str(self.raw.get("eventSource")) or ""

    @property
    def service(self) -> str:
        """``bedrock`` for ``bedrock.amazonaws.com``."""
        return self.event_source.split(".", 1)[0]

    @cached_property
    def time(self) -> datetime | None:
        return parse_time(self.raw.get("eventTime"))

    @property
    def region(self) -> str | None:
        return _str(self.raw.get("awsRegion"))

    @property
    def account(self) -> str | None:
        return _str(self.raw.get("recipientAccountId")) or _str(self.identity.get("accountId"))

    @property
    def request_parameters(self) -> dict[str, Any]:
        return _dict(self.raw.get("requestParameters"))

    @property
    def response_elements(self) -> dict[str, Any]:
        return _dict(self.raw.get("responseElements"))

    @property
    def additional_event_data(self) -> dict[str, Any]:
        return _dict(self.raw.get("additionalEventData"))

    @property
    def error_code(self) -> str | None:
        return _str(self.raw.get("errorCode"))

    @property
    def error_message(self) -> str:
        return _str(self.raw.get("errorMessage")) or ""

    @property
    def read_only(self) -> bool:
        v = self.raw.get("readOnly")
        return v is True or v == "true"

    @property
    def source_ip(self) -> str | None:
        return _str(self.raw.get("sourceIPAddress"))

    @property
    def user_agent(self) -> str:
        return _str(self.raw.get("userAgent")) or ""

    # --- who did it
    @property
    def identity(self) -> dict[str, Any]:
        return _dict(self.raw.get("userIdentity"))

    @property
    def identity_type(self) -> str | None:
        return _str(self.identity.get("type"))

    @property
    def access_key_id(self) -> str | None:
        return _str(self.identity.get("accessKeyId"))

    @property
    def session_context(self) -> dict[str, Any]:
        return _dict(self.identity.get("sessionContext"))

    @property
    def from_console(self) -> bool:
        """True when the credentials were minted by a console sign-in."""
        v = self.raw.get("sessionCredentialFromConsole")
        return v is True or v == "true"

    @cached_property
    def actor_arn(self) -> str | None:
        """The ARN that names the actor: the user, the assumed-role session, or the service."""
        arn = _str(self.identity.get("arn"))
        if arn:
            return arn
        invoked_by = _str(self.identity.get("invokedBy"))
        return invoked_by

    @cached_property
    def actor_key(self) -> str:
        """A stable grouping key for the *identity* behind the call.

        Sessions of one role are one identity (the role), so an attacker rotating session names still
        lands in one window; an IAM user is its ARN.
        """
        issuer = _dict(self.session_context.get("sessionIssuer"))
        return (
            _str(issuer.get("arn"))
            or self.actor_arn
            or _str(self.identity.get("principalId"))
            or self.access_key_id
            or "unknown"
        )

    @property
    def session_name(self) -> str | None:
        arn = self.actor_arn or ""
        if ":assumed-role/" in arn:
            return arn.rsplit("/", 1)[-1]
        return None

    @property
    def user_name(self) -> str | None:
        name = _str(self.identity.get("userName"))
        if name:
            return name
        arn = self.actor_arn or ""
        return arn.rsplit("/", 1)[-1] if ":user/" in arn else None

    def principal(self) -> Principal:
        return Principal(
            arn=self.actor_arn or self.actor_key,
            type=self.identity_type,
            access_key_id=self.access_key_id,
            session_name=self.session_name,
        )

    # --- Bedrock specifics
    @property
    def model_id(self) -> str | None:
        return _str(self.request_parameters.get("modelId"))

    @property
    def bearer_token(self) -> bool:
        """True when the call was authenticated with a Bedrock API key (bearer token).

        ``bedrock.amazonaws.com`` records the marker in ``additionalEventData``; ``bedrock-mantle.amazonaws.com``
        (the OpenAI/Anthropic-compatible endpoint) records it, with ``bearerTokenType``, in ``requestParameters``.

        Examples
        --------
        >>> ApiCall({"additionalEventData": {"callWithBearerToken": True}}).bearer_token
        True
        >>> ApiCall({"eventSource": "bedrock-mantle.amazonaws.com",
        ...          "requestParameters": {"callWithBearerToken": "true"}}).bearer_token
        True
        """
        for where in (self.additional_event_data, self.request_parameters):
            v = where.get("callWithBearerToken")
            if v is True or v == "true":
                return True
        return _str(self.identity.get("credentialType")) == "BEDROCK_API_KEY"

    @property
    def bearer_token_type(self) -> str | None:
        """The kind of Bedrock API key when CloudTrail records it (``bearerTokenType``, next to the marker)."""
        return _str(self.additional_event_data.get("bearerTokenType")) or _str(
            self.request_parameters.get("bearerTokenType"))

    def resource(self, type_: str, id_: str | None) -> list[Resource]:
        return [Resource(type=type_, id=id_)] if id_ else []

    def summary(self) -> dict[str, Any]:
        """Small evidence block: never request bodies."""
        out: dict[str, Any] = {"event_name": self.event_name, "event_source": self.event_source}
        if self.source_ip:
            out["source_ip"] = self.source_ip
        if self.user_agent:
            out["user_agent"] = self.user_agent[:200]
        if self.error_code:
            out["error_code"] = self.error_code
        return out
