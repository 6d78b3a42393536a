"""Typed errors: the API's error format as exceptions.

Every answer of 400 or above raises an `APIError` subclass chosen by the
status (and, for 409, the code), carrying the API's `code`, `message`,
`details` (with `field` and `reason` when the server names them) and the
request id to quote to an operator.
"""

from __future__ import annotations

import json
from typing import Any

import httpx


class ClusterDBError(Exception):
    """Anything this SDK raises."""


class APIConnectionError(ClusterDBError):
    """The request did not complete (connection, timeout), after retries."""


class WebhookVerificationError(ClusterDBError):
    """A webhook delivery's signature or timestamp did not verify."""


class APIError(ClusterDBError):
    """The server answered with an error in the API's error format."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: dict[str, Any] | None = None,
        request_id: str | None = None,
        headers: httpx.Headers | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.details = details or {}
        self.request_id = request_id
        self.headers = headers or httpx.Headers()
        super().__init__(f"{status} {code}: {message}" + _detail_suffix(self.details))

    @property
    def field(self) -> str | None:
        """The request field the server names (`details.field`)."""
        value = self.details.get("field")
        return value if isinstance(value, str) else None

    @property
    def reason(self) -> str | None:
        """Why that field was refused (`details.reason`)."""
        value = self.details.get("reason")
        return value if isinstance(value, str) else None

    @property
    def retry_after(self) -> float | None:
        """Seconds the server asked to wait (`Retry-After`), if it did."""
        return parse_retry_after(self.headers.get("retry-after"))

    @classmethod
    def from_response(cls, response: httpx.Response) -> APIError:
        """The error a response stands for (any body: a proxy's HTML too)."""
        code, message, details = "UNKNOWN", response.reason_phrase or "error", {}
        try:
            body = json.loads(response.content)
            error = body["error"]
            if isinstance(error, str):
                # The token endpoint answers as RFC 6749 says.
                code, message = error, str(body.get("error_description", message))
            else:
                code = str(error["code"])
                message = str(error.get("message", message))
                details = error.get("details") or {}
        except (ValueError, KeyError, TypeError):
            text = response.content[:200].decode("utf-8", "replace").strip()
            if text:
                message = f"{message}: {text}"
        kind = _by_code.get(code) or _by_status.get(response.status_code)
        if kind is None:
            kind = ServerError if response.status_code >= 500 else APIError
        return kind(
            response.status_code,
            code,
            message,
            details if isinstance(details, dict) else {"value": details},
            response.headers.get("x-request-id"),
            response.headers,
        )

    @classmethod
    def from_body(cls, status: int, body: dict[str, Any]) -> APIError:
        """The error of an error event inside a stream (`{"error": {...}}`)."""
        error = body.get("error", {})
        code = str(error.get("code", "UNKNOWN"))
        kind = _by_code.get(code) or _by_status.get(status) or APIError
        return kind(status, code, str(error.get("message", "")), error.get("details") or {})


def _detail_suffix(details: dict[str, Any]) -> str:
    field, reason = details.get("field"), details.get("reason")
    if isinstance(field, str) and isinstance(reason, str):
        return f" ({field}: {reason})"
    return ""


def parse_retry_after(value: str | None) -> float | None:
    """`Retry-After` in seconds (delta-seconds only, as the server sends)."""
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


class InvalidRequestError(APIError):
    """400: a malformed request or an invalid field."""


class AuthenticationError(APIError):
    """401: no credential, or one that is not valid."""


class PermissionDeniedError(APIError):
    """403: the principal lacks the role or scope."""


class NotFoundError(APIError):
    """404: no such resource."""


class ConflictError(APIError):
    """409: the request conflicts with the resource's state."""


class AlreadyExistsError(ConflictError):
    """409 ALREADY_EXISTS: the name is taken."""


class OutOfRangeError(APIError):
    """410: a position older than the history kept (list again, then watch)."""


class PreconditionFailedError(APIError):
    """412: `If-Match` named a version the resource is no longer at."""


class IdempotencyKeyReusedError(APIError):
    """422: the idempotency key was used with a different request."""


class RateLimitError(APIError):
    """429: the principal's rate limit or a quota."""


class ServerError(APIError):
    """5xx: a fault, or a function's failure."""


class UnavailableError(ServerError):
    """503: the store cannot be reached or the server is at a limit."""


_by_status: dict[int, type[APIError]] = {
    400: InvalidRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    410: OutOfRangeError,
    412: PreconditionFailedError,
    422: IdempotencyKeyReusedError,
    429: RateLimitError,
    503: UnavailableError,
}

_by_code: dict[str, type[APIError]] = {
    "ALREADY_EXISTS": AlreadyExistsError,
    "IDEMPOTENCY_KEY_REUSED": IdempotencyKeyReusedError,
}
