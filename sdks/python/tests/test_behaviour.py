"""What every call does: pages, retries with idempotency keys, typed
errors, optimistic concurrency, the user agent, timeouts."""

from __future__ import annotations

import socket
import time

import httpx
import pytest

import clusterdb
from clusterdb import ClusterDB


class Recording(httpx.BaseTransport):
    """Passes requests to the server, keeping them; `fail` lists what to
    do instead of answering, per request: `"drop"` (send it, then lose the
    answer), a status (answer it without sending, with Retry-After), or
    None (answer normally)."""

    def __init__(self, fail: list[object] | None = None) -> None:
        self.inner = httpx.HTTPTransport()
        self.fail = list(fail or [])
        self.requests: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        action = self.fail.pop(0) if self.fail else None
        if isinstance(action, int):
            return httpx.Response(
                action,
                headers={"Retry-After": "0", "Content-Type": "application/json"},
                json={"error": {"code": "UNAVAILABLE", "message": "try again"}},
                request=request,
            )
        response = self.inner.handle_request(request)
        if action == "drop":
            response.read()
            response.close()
            raise httpx.ReadError("connection reset", request=request)
        return response


def test_lists_page_through_every_item(db: ClusterDB, unique: str) -> None:
    names = {f"{unique}-{i}" for i in range(7)}
    for name in names:
        db.fleets.create({"name": name, "capacity": 1, "instance_type": "t3.nano", "tags": {"batch": unique}})
    recording = Recording()
    with ClusterDB(db.base_url, api_key=db.credentials._key, transport=recording) as client:  # type: ignore[union-attr]
        listed = [f.name for f in client.fleets.list(tag={"batch": unique}, page_size=3)]
    assert sorted(listed) == sorted(names)
    assert len(listed) == len(names)
    pages = [r for r in recording.requests if r.url.path == "/v1/fleets"]
    assert len(pages) == 3
    assert "page_token" in str(pages[1].url)


def test_a_lost_answer_is_retried_and_runs_once(server, unique: str) -> None:
    recording = Recording(fail=["drop"])
    with server.client(transport=recording) as client:
        fleet = client.fleets.create({"name": unique, "capacity": 1, "instance_type": "t3.nano"})
    first, retry = recording.requests
    key = first.headers["idempotency-key"]
    assert key and retry.headers["idempotency-key"] == key
    with server.client() as db:
        assert [f.id for f in db.fleets.list(name=unique)] == [fleet.id]


def test_429_and_503_are_retried_honouring_retry_after(server) -> None:
    recording = Recording(fail=[503, 429])
    waits: list[float] = []
    with server.client(transport=recording) as client:
        client.transport._sleep = waits.append  # type: ignore[attr-defined]
        assert next(client.users.list(name="admin")).username == "admin"
    assert waits == [0.0, 0.0]
    assert len(recording.requests) == 3


def test_retries_stop_after_max_retries(server) -> None:
    recording = Recording(fail=[503, 503, 503])
    with server.client(transport=recording, max_retries=2) as client:
        client.transport._sleep = lambda _: None  # type: ignore[attr-defined]
        with pytest.raises(clusterdb.UnavailableError) as raised:
            client.fleets.get("fleet-x")
    assert raised.value.retry_after == 0
    assert len(recording.requests) == 3


def test_a_connection_refused_raises_after_retries() -> None:
    with ClusterDB("http://127.0.0.1:9", api_key="cdb_x_y", max_retries=1) as client:
        client.transport._sleep = lambda _: None  # type: ignore[attr-defined]
        with pytest.raises(clusterdb.APIConnectionError):
            client.fleets.get("fleet-x")


def test_errors_are_typed_with_the_api_fields(db: ClusterDB, unique: str) -> None:
    with pytest.raises(clusterdb.InvalidRequestError) as raised:
        db.fleets.create({"name": unique, "capacity": -1, "instance_type": "t3.nano"})
    error = raised.value
    assert (error.status, error.code, error.field) == (400, "INVALID_REQUEST", "capacity")
    assert error.reason and error.request_id
    with pytest.raises(clusterdb.NotFoundError) as missing:
        db.fleets.get("fleet-nope")
    assert missing.value.code == "NOT_FOUND"


def test_a_taken_name_is_a_conflict(db: ClusterDB, unique: str) -> None:
    db.fleets.create({"name": unique, "capacity": 1, "instance_type": "t3.nano"})
    with pytest.raises(clusterdb.AlreadyExistsError) as raised:
        db.fleets.create({"name": unique, "capacity": 1, "instance_type": "t3.nano"})
    assert raised.value.status == 409
    assert isinstance(raised.value, clusterdb.ConflictError)


def test_if_match_from_an_object_read_earlier(db: ClusterDB, unique: str) -> None:
    fleet = db.fleets.create({"name": unique, "capacity": 1, "instance_type": "t3.nano"})
    body = {"name": unique, "capacity": 2, "instance_type": "t3.nano"}
    db.fleets.replace(fleet.id, body, if_match=fleet)
    with pytest.raises(clusterdb.PreconditionFailedError) as raised:
        db.fleets.replace(fleet.id, body, if_match=fleet)
    assert raised.value.status == 412
    assert raised.value.details["expected_version"] == fleet.resource_version


def test_an_idempotency_key_reused_for_another_request(db: ClusterDB, unique: str) -> None:
    key = f"key-{unique}"
    first = db.fleets.create({"name": unique, "capacity": 1, "instance_type": "t3.nano"}, idempotency_key=key)
    again = db.fleets.create({"name": unique, "capacity": 1, "instance_type": "t3.nano"}, idempotency_key=key)
    assert again.id == first.id
    with pytest.raises(clusterdb.IdempotencyKeyReusedError):
        db.fleets.create(
            {"name": unique + "-b", "capacity": 1, "instance_type": "t3.nano"}, idempotency_key=key
        )


def test_the_user_agent_names_the_sdk(server) -> None:
    recording = Recording()
    with server.client(transport=recording) as client:
        next(client.users.list())
    assert recording.requests[0].headers["user-agent"] == f"clusterdb-python/{clusterdb.VERSION}"


def test_a_timeout_bounds_each_attempt() -> None:
    # A server that takes the connection and never answers.
    silent = socket.create_server(("127.0.0.1", 0))
    try:
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        with ClusterDB(url, api_key="cdb_x_y", timeout=0.3, max_retries=0) as client:
            started = time.monotonic()
            with pytest.raises(clusterdb.APIConnectionError) as raised:
                client.fleets.get("fleet-x")
            assert time.monotonic() - started < 5
            assert isinstance(raised.value.__cause__, httpx.ReadTimeout)
    finally:
        silent.close()


def test_read_options(db: ClusterDB, unique: str) -> None:
    fleet = db.fleets.create({"name": unique, "capacity": 1, "instance_type": "t3.nano"})
    assert db.fleets.get(fleet.id, min_revision=fleet.resource_version).id == fleet.id
    assert db.fleets.get(fleet.id, stale=True).id == fleet.id
    assert [f.id for f in db.fleets.list(name=unique, stale=True)] == [fleet.id]
    with pytest.raises(clusterdb.InvalidRequestError) as raised:
        db.fleets.get(fleet.id, min_revision=-1)
    assert raised.value.field == "min_revision"
