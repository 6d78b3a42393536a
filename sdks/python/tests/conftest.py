"""The real `clusterdb` binary on a loopback port, for the SDK's tests.

`CLUSTERDB_BIN` names the binary (default: the workspace's debug build).
"""

from __future__ import annotations

import os
import pathlib
import signal
import subprocess
import time
from collections.abc import Iterator

import pytest

from clusterdb import ClusterDB

ROOT = pathlib.Path(__file__).resolve().parents[3]
BINARY = os.environ.get("CLUSTERDB_BIN", str(ROOT / "target" / "debug" / "clusterdb"))


class Server:
    """`clusterdb serve` on its own data file; `restart` keeps port and data."""

    def __init__(self, directory: pathlib.Path, *flags: str) -> None:
        self.data = directory / "data.redb"
        self.flags = list(flags)
        self.log = directory / "server.log"
        self.port = 0
        self.process: subprocess.Popen[str] | None = None
        self.start()
        self.key = (directory / "data.redb.admin-key").read_text().strip()

    def start(self) -> None:
        command = [BINARY, "serve", "--listen", f"127.0.0.1:{self.port}", "--data", str(self.data)]
        with open(self.log, "a") as log:
            self.process = subprocess.Popen(
                command + self.flags, stdout=subprocess.PIPE, stderr=log, text=True
            )
        assert self.process.stdout is not None
        deadline = time.monotonic() + 30
        for line in self.process.stdout:
            if line.startswith("listening on "):
                self.url = line.removeprefix("listening on ").strip()
                self.port = int(self.url.rsplit(":", 1)[1])
                return
            if time.monotonic() > deadline:
                break
        raise RuntimeError(f"the server did not start: {self.log.read_text()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def client(self, **options: object) -> ClusterDB:
        """A client authenticated as the bootstrap admin."""
        return ClusterDB(self.url, api_key=self.key, **options)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    started = Server(
        tmp_path_factory.mktemp("server"),
        "--access-token-ttl",
        "3",
        "--webhook-allow-private",
        "--webhook-retry-schedule",
        "1s",
    )
    yield started
    started.stop()


@pytest.fixture()
def db(server: Server) -> Iterator[ClusterDB]:
    with server.client() as client:
        yield client


@pytest.fixture()
def unique(request: pytest.FixtureRequest) -> str:
    """A name no other test uses."""
    return request.node.name.replace("_", "-")[:40].strip("-") + f"-{time.monotonic_ns() % 100000}"
