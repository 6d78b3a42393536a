"""Following the event log live over server-sent events, resuming with
`Last-Event-ID` when the connection drops."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any, Self

import httpx

from .errors import APIConnectionError, APIError


class EventWatch:
    """An iterator of events (dicts: `id`, `type`, `data`, `timestamp`,
    `revision`) from `GET /v1/events:watch`.

    When the stream ends or the connection drops it reconnects, sending the
    last event's id as `Last-Event-ID` (or, before any event, the last
    bookmark's revision as `after`), so no event is lost or repeated. An
    `OutOfRangeError` (410) means the position is older than the history
    the server keeps: list from `error.details["oldest_after"]`, then watch
    again. `revision` is the revision read through so far.
    """

    def __init__(
        self,
        http: httpx.Client,
        *,
        after: int | str = "now",
        types: list[str] | None = None,
        kinds: list[str] | None = None,
        last_event_id: str | None = None,
        reconnect_wait: float = 0.5,
        max_reconnects: int | None = None,
    ) -> None:
        self._http = http
        self._after = after
        self._types = types
        self._kinds = kinds
        self.last_event_id = last_event_id
        self.revision: int | None = after if isinstance(after, int) else None
        self.reconnects = 0
        self._reconnect_wait = reconnect_wait
        self._max_reconnects = max_reconnects
        self._closed = False
        self._response: httpx.Response | None = None

    def close(self) -> None:
        """Ends the watch (an iteration in progress stops)."""
        self._closed = True
        if self._response is not None:
            self._response.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __iter__(self) -> Iterator[dict[str, Any]]:
        failures = 0
        while not self._closed:
            try:
                for event in self._stream():
                    failures = 0
                    yield event
            except (httpx.TransportError, APIConnectionError):
                if self._closed:
                    return
                failures += 1
            if self._closed:
                return
            if self._max_reconnects is not None and self.reconnects >= self._max_reconnects:
                return
            self.reconnects += 1
            time.sleep(min(5.0, self._reconnect_wait * failures))

    def _params(self) -> dict[str, Any]:
        params: dict[str, Any] = {}
        if self.last_event_id is None:
            params["after"] = self.revision if self.revision is not None else self._after
        if self._types:
            params["types"] = ",".join(self._types)
        if self._kinds:
            params["kinds"] = ",".join(self._kinds)
        return params

    def _stream(self) -> Iterator[dict[str, Any]]:
        headers = {"Accept": "text/event-stream"}
        if self.last_event_id is not None:
            headers["Last-Event-ID"] = self.last_event_id
        # No read timeout: the server sends a comment every 15 s.
        timeout = httpx.Timeout(30.0, read=None)
        with self._http.stream(
            "GET", "/v1/events:watch", params=self._params(), headers=headers, timeout=timeout
        ) as response:
            self._response = response
            try:
                yield from self._events(response)
            finally:
                self._response = None

    def _events(self, response: httpx.Response) -> Iterator[dict[str, Any]]:
        kind, data, id_ = "message", [], None
        for line in response.iter_lines():
            if line == "":
                if data:
                    event = self._dispatch(kind, "\n".join(data), id_)
                    if event is not None:
                        yield event
                kind, data, id_ = "message", [], None
                continue
            if line.startswith(":"):
                continue
            field, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if field == "event":
                kind = value
            elif field == "data":
                data.append(value)
            elif field == "id":
                id_ = value

    def _dispatch(self, kind: str, data: str, id_: str | None) -> dict[str, Any] | None:
        body = json.loads(data)
        if kind == "bookmark":
            revision = int(body["revision"])
            if self.revision is None or revision > self.revision:
                self.revision = revision
            return None
        if kind == "error":
            status = 410 if body.get("error", {}).get("code") == "OUT_OF_RANGE" else 500
            raise APIError.from_body(status, body)
        if id_ is not None:
            self.last_event_id = id_
        revision = body.get("revision")
        if isinstance(revision, int) and (self.revision is None or revision > self.revision):
            self.revision = revision
        return body
