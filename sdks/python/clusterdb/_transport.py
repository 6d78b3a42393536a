"""The HTTP transport under every call: credentials, an automatic
`Idempotency-Key` on each POST, and retries with backoff."""

from __future__ import annotations

import json
import random
import time
import uuid
from collections.abc import Callable

import httpx

from .auth import Credentials
from .errors import APIConnectionError, parse_retry_after

# Statuses worth another attempt: the rate limit and a server at a limit
# or without its store; both send Retry-After.
RETRY_STATUSES = frozenset({429, 503})
# 409 codes that mean "the first attempt is still running": wait, retry.
RETRY_CODES = frozenset({"IDEMPOTENCY_KEY_IN_USE"})


class RetryingTransport(httpx.BaseTransport):
    """Sends a request, retrying connection errors, 429 and 503.

    A POST gets an `Idempotency-Key` (a random UUID) unless it has one, so
    its retries are safe: the server runs it once and replays the answer.
    The wait honours `Retry-After`, else grows exponentially with jitter;
    no single wait is longer than `max_wait` seconds.
    """

    def __init__(
        self,
        base_url: str,
        credentials: Credentials | None,
        *,
        max_retries: int = 3,
        max_wait: float = 30.0,
        inner: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._base_url = base_url
        self._credentials = credentials
        self._max_retries = max_retries
        self._max_wait = max_wait
        self._inner = inner or httpx.HTTPTransport()
        self._sleep = sleep
        self.retries = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and "idempotency-key" not in request.headers:
            request.headers["Idempotency-Key"] = str(uuid.uuid4())
        renewed = False
        attempt = 0
        while True:
            if self._credentials is not None:
                token = self._credentials.bearer(self._inner, self._base_url)
                request.headers["Authorization"] = f"Bearer {token}"
            try:
                response = self._inner.handle_request(request)
            except httpx.TransportError as err:
                if attempt >= self._max_retries:
                    raise APIConnectionError(f"{request.method} {request.url}: {err}") from err
                self._wait(attempt, None)
                attempt += 1
                continue
            # A cached access token the server no longer takes (its signing
            # key rotated away): fetch a new one, once.
            if (
                response.status_code == 401
                and not renewed
                and self._credentials is not None
                and self._credentials.invalidate()
            ):
                response.close()
                renewed = True
                continue
            if attempt < self._max_retries and self._retryable(response):
                retry_after = parse_retry_after(response.headers.get("retry-after"))
                response.close()
                self._wait(attempt, retry_after)
                attempt += 1
                continue
            return response

    def _retryable(self, response: httpx.Response) -> bool:
        if response.status_code in RETRY_STATUSES:
            return True
        if response.status_code == 409:
            response.read()
            try:
                return json.loads(response.content)["error"]["code"] in RETRY_CODES
            except (ValueError, KeyError, TypeError):
                return False
        return False

    def _wait(self, attempt: int, retry_after: float | None) -> None:
        self.retries += 1
        if retry_after is None:
            retry_after = min(8.0, 0.25 * 2**attempt) * (0.5 + random.random() / 2)
        self._sleep(min(retry_after, self._max_wait))

    def close(self) -> None:
        self._inner.close()
