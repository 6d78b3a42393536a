"""ClusterDB's Python SDK.

`ClusterDB` is the client (see its docstring); `clusterdb.errors` holds the
typed errors, `clusterdb.webhooks.verify` checks a webhook delivery, and
`clusterdb.models` the request and response types (generated from the
server's OpenAPI document).
"""

from . import errors, webhooks
from ._generated import models
from ._version import VERSION
from .auth import ApiKey, ClientCredentials
from .client import ClusterDB
from .errors import (
    AlreadyExistsError,
    APIConnectionError,
    APIError,
    AuthenticationError,
    ClusterDBError,
    ConflictError,
    IdempotencyKeyReusedError,
    InvalidRequestError,
    NotFoundError,
    OutOfRangeError,
    PermissionDeniedError,
    PreconditionFailedError,
    RateLimitError,
    ServerError,
    UnavailableError,
    WebhookVerificationError,
)

__version__ = VERSION

__all__ = [
    "VERSION",
    "APIConnectionError",
    "APIError",
    "AlreadyExistsError",
    "ApiKey",
    "AuthenticationError",
    "ClientCredentials",
    "ClusterDB",
    "ClusterDBError",
    "ConflictError",
    "IdempotencyKeyReusedError",
    "InvalidRequestError",
    "NotFoundError",
    "OutOfRangeError",
    "PermissionDeniedError",
    "PreconditionFailedError",
    "RateLimitError",
    "ServerError",
    "UnavailableError",
    "WebhookVerificationError",
    "errors",
    "models",
    "webhooks",
]
