"""A throwaway PostgreSQL server on a loopback port, from Debian's `postgresql` package.

PostgreSQL refuses to run as root, so as root the server runs as the `postgres` system user, in a data
directory of its own under the test's temporary folder.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import queue
import shutil
import subprocess
import tempfile
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest

from tests.support.processes import free_port, running, wait_until


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        pytest.skip("PostgreSQL is not installed (make test installs it when run as root)")
    return found[-1]


def _as_postgres_user() -> list[str]:
    """A command prefix that runs as the `postgres` user when we are root."""
    if os.geteuid() != 0:
        return []
    pwd.getpwnam("postgres")
    return ["runuser", "-u", "postgres", "--"]


class DatabasePool:
    """Empty databases made ahead, and used ones dropped, on a thread of its own: creating and dropping
    one takes ~0.1 s, which each of the run's ~1,000 tests and modules would otherwise wait for."""

    AHEAD = 3

    def __init__(self, port: int, user: str) -> None:
        self._connect = lambda: psycopg.connect(
            host="127.0.0.1", port=port, user=user, dbname="postgres", autocommit=True
        )
        self._ready: queue.Queue[str | BaseException] = queue.Queue()
        self._used: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="test-databases", daemon=True)
        self._thread.start()

    def take(self) -> str:
        """The name of a fresh, empty database."""
        name = self._ready.get(timeout=120)
        if isinstance(name, BaseException):
            self._ready.put(name)  # every later test fails the same way
            raise name
        return name

    def give_back(self, name: str) -> None:
        """Drops it (soon, on the pool's thread)."""
        self._used.put(name)

    def close(self) -> None:
        self._used.put(None)
        self._thread.join(30)

    def _run(self) -> None:
        try:
            with self._connect() as connection:
                while True:
                    # Dropping first: it ends the connections a test's service may still hold.
                    wait = 0.05 if self._ready.qsize() >= self.AHEAD else 0
                    try:
                        used = self._used.get(timeout=wait) if wait else self._used.get_nowait()
                    except queue.Empty:
                        used = ""
                    if used is None:
                        return
                    if used:
                        connection.execute(f'DROP DATABASE IF EXISTS "{used}" WITH (FORCE)')
                    elif self._ready.qsize() < self.AHEAD:
                        name = f"test_{uuid.uuid4().hex[:12]}"
                        connection.execute(f'CREATE DATABASE "{name}"')
                        self._ready.put(name)
        except BaseException as error:  # reported to the test that waits for a database
            self._ready.put(error)


@dataclass(frozen=True)
class PostgresServer:
    port: int
    user: str
    # Where its Unix socket is: reachable from a network namespace, which the loopback port is not.
    socket_dir: Path
    pool: DatabasePool = field(repr=False, compare=False)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{database}"

    def socket_url(self, database: str) -> str:
        return f"postgresql+psycopg://{self.user}@/{database}?host={self.socket_dir}&port={self.port}"

    @contextlib.contextmanager
    def database(self) -> Iterator[str]:
        """A fresh, empty database for one test; dropped afterwards. Yields its SQLAlchemy URL."""
        name = self.pool.take()
        try:
            yield self.url(name)
        finally:
            self.pool.give_back(name)


@contextlib.contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    """Its own directory under /tmp: pytest's temporary folders are private to root."""
    prefix = _as_postgres_user()
    user = "postgres" if prefix else pwd.getpwuid(os.geteuid()).pw_name
    base_dir = Path(tempfile.mkdtemp(prefix="dispycluster-pg-"))
    data_dir = base_dir / "pgdata"
    data_dir.mkdir()
    if prefix:
        os.chown(base_dir, pwd.getpwnam("postgres").pw_uid, -1)
        os.chown(data_dir, pwd.getpwnam("postgres").pw_uid, -1)
    try:
        yield from _serve(prefix, user, base_dir, data_dir)
    finally:
        shutil.rmtree(base_dir, ignore_errors=True)


def _serve(prefix: list[str], user: str, base_dir: Path, data_dir: Path) -> Iterator[PostgresServer]:
    subprocess.run(
        [*prefix, _pg_bin("initdb"), "-D", str(data_dir), "-U", user, "--auth=trust", "-E", "UTF8"],
        check=True,
        capture_output=True,
    )
    port = free_port()
    argv = [
        *prefix,
        _pg_bin("postgres"),
        "-D",
        str(data_dir),
        "-h",
        "127.0.0.1",
        "-p",
        str(port),
        "-k",
        str(data_dir),
        "-c",
        "fsync=off",
        "-c",
        "max_connections=200",
    ]
    with running(argv, log_path=base_dir / "postgres.log"):
        wait_until(
            lambda: (
                subprocess.run(
                    [_pg_bin("pg_isready"), "-h", "127.0.0.1", "-p", str(port)],
                    check=False,
                    capture_output=True,
                ).returncode
                == 0
            ),
            timeout=30,
        )
        pool = DatabasePool(port, user)
        try:
            yield PostgresServer(port=port, user=user, socket_dir=data_dir, pool=pool)
        finally:
            pool.close()
