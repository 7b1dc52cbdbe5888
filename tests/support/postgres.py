"""A throwaway PostgreSQL server on a loopback port, from Debian's `postgresql` package.

PostgreSQL refuses to run as root, so as root the server runs as the `postgres` system user, in a data
directory of its own under the test's temporary folder.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

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


@dataclass(frozen=True)
class PostgresServer:
    port: int
    user: str
    # Where its Unix socket is: reachable from a network namespace, which the loopback port is not.
    socket_dir: Path

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{database}"

    def socket_url(self, database: str) -> str:
        return f"postgresql+psycopg://{self.user}@/{database}?host={self.socket_dir}&port={self.port}"

    def _psql(self, sql: str) -> None:
        subprocess.run(
            [
                _pg_bin("psql"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                self.user,
                "-d",
                "postgres",
                "-v",
                "ON_ERROR_STOP=1",
                "-q",
                "-c",
                sql,
            ],
            check=True,
            capture_output=True,
        )

    @contextlib.contextmanager
    def database(self) -> Iterator[str]:
        """A fresh, empty database for one test; dropped afterwards. Yields its SQLAlchemy URL."""
        name = f"test_{uuid.uuid4().hex[:12]}"
        self._psql(f'CREATE DATABASE "{name}"')
        try:
            yield self.url(name)
        finally:
            self._psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


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
        server = PostgresServer(port=port, user=user, socket_dir=data_dir)
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
        yield server
