"""Credentials: an API key, or OAuth2 client credentials whose access token
is fetched, cached and renewed before it expires."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol

import httpx

from .errors import APIConnectionError, APIError


class Credentials(Protocol):
    """What the transport asks for the `Authorization` header."""

    def bearer(self, http: httpx.BaseTransport, base_url: str) -> str:
        """The credential to send now."""
        ...

    def invalidate(self) -> bool:
        """Forgets a cached token after a 401; whether a retry may help."""
        ...


class ApiKey:
    """A user's API key (`cdb_<key id>_<secret>`)."""

    def __init__(self, key: str) -> None:
        if not key:
            raise ValueError("an API key must not be empty")
        self._key = key

    def bearer(self, http: httpx.BaseTransport, base_url: str) -> str:
        return self._key

    def invalidate(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "ApiKey(<hidden>)"


class ClientCredentials:
    """OAuth2 client credentials (RFC 6749 §4.4) of an OAuth client.

    The access token is fetched from `/oauth/token` on first use, shared by
    every thread, and fetched again when less than a fifth of its lifetime
    (at most a minute) is left, or after the server refused it.
    """

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        scope: str | None = None,
        token_url: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client_id = client_id
        self._secret = client_secret
        self.scope = scope
        self.token_url = token_url
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._renew_at = 0.0
        self.fetches = 0

    def bearer(self, http: httpx.BaseTransport, base_url: str) -> str:
        with self._lock:
            if self._token is None or self._clock() >= self._renew_at:
                self._fetch(http, base_url)
            assert self._token is not None
            return self._token

    def invalidate(self) -> bool:
        with self._lock:
            self._token = None
        return True

    def _fetch(self, http: httpx.BaseTransport, base_url: str) -> None:
        form = {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self._secret,
        }
        if self.scope:
            form["scope"] = self.scope
        url = self.token_url or base_url.rstrip("/") + "/oauth/token"
        started = self._clock()
        # Straight through the client's own transport (not an httpx.Client
        # around it, whose close would close the shared connection pool).
        request = httpx.Request("POST", url, data=form)
        request.extensions["timeout"] = httpx.Timeout(30.0).as_dict()
        try:
            response = http.handle_request(request)
            try:
                response.read()
            finally:
                response.close()
        except httpx.TransportError as err:
            raise APIConnectionError(f"fetching an access token: {err}") from err
        if response.status_code >= 400:
            raise APIError.from_response(response)
        body = response.json()
        lifetime = float(body["expires_in"])
        self._token = body["access_token"]
        self._renew_at = started + lifetime - min(60.0, lifetime / 5)
        self.fetches += 1

    def __repr__(self) -> str:
        return f"ClientCredentials(client_id={self.client_id!r})"
