"""The live event watch: events as they happen, a resume across a server
restart that neither loses nor repeats one, and 410 past the history."""

from __future__ import annotations

import threading

import pytest
from conftest import Server

import clusterdb


def collect(watch, into: list, count: int) -> threading.Thread:
    def run() -> None:
        for event in watch:
            into.append(event)
            if len(into) >= count:
                return

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_the_watch_resumes_across_a_restart(tmp_path) -> None:
    server = Server(tmp_path)
    try:
        with server.client() as db:
            db.fleets.create({"name": "before", "capacity": 1, "instance_type": "t3.nano"})
            seen: list = []
            with db.events.watch(after=0, types=["fleet.created"]) as watch:
                thread = collect(watch, seen, 3)
                db.fleets.create({"name": "during", "capacity": 1, "instance_type": "t3.nano"})
                _wait(lambda: len(seen) == 2)
                server.restart()
                db.fleets.create({"name": "after", "capacity": 1, "instance_type": "t3.nano"})
                thread.join(timeout=30)
                assert [e["data"]["name"] for e in seen] == ["before", "during", "after"]
                assert watch.reconnects >= 1
                assert len({e["id"] for e in seen}) == 3
    finally:
        server.stop()


def test_a_position_older_than_the_history_is_410(tmp_path) -> None:
    server = Server(tmp_path, "--event-retention-revisions", "2")
    try:
        with server.client() as db:
            for i in range(5):
                db.fleets.create({"name": f"f{i}", "capacity": 1, "instance_type": "t3.nano"})
            server.restart()  # retention compacts at start
            with pytest.raises(clusterdb.OutOfRangeError) as raised:
                next(iter(db.events.watch(after=1)))
            assert raised.value.status == 410
            assert raised.value.details["oldest_after"] > 1
    finally:
        server.stop()


def _wait(condition, timeout: float = 15.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
