"""Fixtures for the web service tests: real exporters and the real service, each on a loopback port."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import yaml
from sqlalchemy.orm import Session, sessionmaker

from tests.support.database import database_url
from tests.support.processes import free_port, require_binary, running
from webapi.core.db import migrate
from webapi.core.db.engine import make_engine, make_session_factory
from webapi.core.tls import client_context


@dataclass
class Exporter:
    name: str
    address: str
    argv: list[str]
    log: Path

    @contextlib.contextmanager
    def run(self) -> Iterator[None]:
        with running(self.argv, log_path=self.log, ready_url=f"http://{self.address}/metrics", timeout=60):
            yield


def debian_exporter(tmp_path: Path, port: int | None = None) -> Exporter:
    binary = require_binary("prometheus-node-exporter", "node_exporter")
    address = f"127.0.0.1:{port or free_port()}"
    argv = [binary, f"--web.listen-address={address}"]
    return Exporter("node_exporter", address, argv, tmp_path / f"node_exporter-{address}.log")


def our_exporter(tmp_path: Path, port: int | None = None) -> Exporter:
    address = f"127.0.0.1:{port or free_port()}"
    argv = [sys.executable, "-m", "exporter.main", f"--web.listen-address={address}"]
    return Exporter("dispycluster-exporter", address, argv, tmp_path / f"exporter-{address}.log")


@dataclass
class Service:
    url: str
    data_dir: Path
    log: Path
    proc: subprocess.Popen[bytes] | None = None

    def client(self, **kwargs: object) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=10.0, trust_env=False, **kwargs)  # type: ignore[arg-type]


def write_inventory(path: Path, nodes: list[dict[str, object]]) -> Path:
    path.write_text(yaml.safe_dump({"nodes": nodes}))
    return path


@contextlib.contextmanager
def run_service(
    tmp_path: Path, *, host: str = "127.0.0.1", port: int | None = None, **env: str
) -> Iterator[Service]:
    """`dispycluster web` in a subprocess (on `port`, else a free one); `env` gives DISPYCLUSTER_*
    settings without the prefix."""
    port = port or free_port()
    data_dir = tmp_path / "data"
    environment = {f"DISPYCLUSTER_{key.upper()}": value for key, value in env.items()}
    environment.setdefault("DISPYCLUSTER_DATA_DIR", str(data_dir))
    environment.update({"HOST": host, "PORT": str(port)})
    log = tmp_path / f"web-{port}.log"
    argv = [sys.executable, "-m", "webapi.cli", "web"]
    # With a certificate the service speaks HTTPS only; the test trusts that certificate alone.
    scheme, verify = ("https", client_context(Path(env["tls_cert"]))) if "tls_cert" in env else ("http", True)
    with running(
        argv,
        log_path=log,
        ready_url=f"{scheme}://127.0.0.1:{port}/api/health",
        env=environment,
        cwd=tmp_path,
        timeout=60,
        verify=verify,
    ) as proc:
        yield Service(f"{scheme}://127.0.0.1:{port}", data_dir, log, proc)


@pytest.fixture
def sessions(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    """A migrated database of its own (SQLite, or PostgreSQL in PostgreSQL mode)."""
    engine = make_engine(database_url(tmp_path / "test.db"))
    migrate.upgrade(engine)
    yield make_session_factory(engine)
    engine.dispose()
