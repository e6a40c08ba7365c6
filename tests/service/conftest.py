"""Fixtures that run the REAL server (`ssmem serve` in a subprocess on a free loopback port)."""

from __future__ import annotations

import secrets
import signal
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from ssmem import Client, Event, make_system
from ssmem.bench.service_load import start_server


@dataclass
class Server:
    """A running `ssmem serve`; `restart()` keeps the data dir, `kill()` is SIGKILL."""

    data_dir: Path
    extra: list[str]
    admin_key: str = field(default_factory=lambda: secrets.token_hex(16))
    proc: subprocess.Popen | None = None
    url: str = ""

    def start(self) -> Server:
        self.proc, self.url = start_server(str(self.data_dir), self.admin_key, self.extra)
        return self

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    def restart(self) -> None:
        self.stop()
        self.start()

    def tenant(self, name: str | None = None) -> Client:
        """A client with a fresh API key of tenant `name` (a new tenant by default)."""
        admin = Client(self.url)
        key = admin.create_tenant(name or f"t-{secrets.token_hex(4)}", self.admin_key)
        admin.close()
        return Client(self.url, key)

    def key_of(self, client: Client) -> str:
        return client.http.headers["Authorization"].split(" ", 1)[1]


@pytest.fixture
def make_server(tmp_path: Path) -> Iterator[Callable[..., Server]]:
    servers: list[Server] = []

    def make(*extra: str, data_dir: Path | None = None) -> Server:
        srv = Server(data_dir or tmp_path / f"data{len(servers)}", list(extra)).start()
        servers.append(srv)
        return srv

    yield make
    for srv in servers:
        srv.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One shared server per test module (rate limit off: tests run back to back)."""
    srv = Server(tmp_path_factory.mktemp("srv"), ["--rate-per-s", "0"]).start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server with tiny limits (rate limit off) for the limit tests."""
    extra = ["--max-request-bytes", "20000", "--max-batch-events", "5"]
    extra += ["--max-event-bytes", "600", "--rate-per-s", "0"]
    srv = Server(tmp_path_factory.mktemp("small"), extra).start()
    yield srv
    srv.stop()


@pytest.fixture
def replay() -> Callable[..., str]:
    return replay_rendering


def replay_rendering(events: list[Event], system: str, budget: int, query: str = "") -> str:
    """What a fresh system fed the whole log renders (the reference for restores)."""
    mem = make_system(system)
    mem.ingest(events)
    return mem.context(query, budget).render()
