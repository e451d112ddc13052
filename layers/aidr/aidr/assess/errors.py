"""Why a check could not be assessed, from the exception an AWS call raised.

Every exception out of a check becomes COULD_NOT_ASSESS (never PASS what could not be read); this module only
words the reason so an operator knows what to grant or where the API is missing.
"""

from __future__ import annotations

DENIED_CODES = frozenset({
    "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedAccess", "AuthorizationError",
    "AuthorizationErrorException", "Forbidden", "AuthFailure", "InvalidClientTokenId", "UnrecognizedClientException",
    "OptInRequired", "SubscriptionRequiredException", "InvalidAccessException",
})
UNAVAILABLE_CODES = frozenset({
    "UnknownOperationException", "UnknownOperation", "InvalidAction", "UnsupportedOperation",
    "UnsupportedOperationException", "NotImplemented", "ServiceUnavailableException",
})


def reason_for(exc: BaseException, operation: str | None = None) -> str:
    """A one-line reason for COULD_NOT_ASSESS.

    Examples
    --------
    >>> from botocore.exceptions import ClientError
    >>> e = ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "ListGuardrails")
    >>> reason_for(e)
    'access denied calling ListGuardrails (AccessDeniedException): grant the actions in docs/assess-policy.json'
    """
    from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError

    from ..aws import error_code as aws_error_code

    if isinstance(exc, ClientError):
        code = aws_error_code(exc)
        op = exc.operation_name or operation or "the API"
        if code in DENIED_CODES:
            return f"access denied calling {op} ({code}): grant the actions in docs/assess-policy.json"
        if code in UNAVAILABLE_CODES:
            return f"{op} is not available here ({code})"
        message = str(exc.response.get("Error", {}).get("Message", ""))[:200]
        return f"{op} failed: {code} {message}".strip()
    if isinstance(exc, EndpointConnectionError):
        return f"service not available in this region ({exc.kwargs.get('endpoint_url', 'no endpoint')})"
    if isinstance(exc, NoCredentialsError):
        return "no AWS credentials"
    if isinstance(exc, NotImplementedError):
        return f"API not implemented by this endpoint: {str(exc)[:200]}"
    return f"unexpected {type(exc).__name__}: {str(exc)[:200]}"
