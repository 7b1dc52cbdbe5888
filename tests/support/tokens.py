"""Named API tokens for tests, made with the real `dispycluster token` command on a service's data dir."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support.database import DATABASE_URL_ENV

ROLES = ("viewer", "operator", "admin")


def service_database() -> dict[str, str]:
    """The database setting a service started now inherits (PostgreSQL mode): take it at the service's
    scope, since a test function gets a database of its own."""
    url = os.environ.get(DATABASE_URL_ENV)
    return {DATABASE_URL_ENV: url} if url else {}


def token_cli(
    data_dir: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`dispycluster token ARGS` with the settings a service on `data_dir` reads; `env` adds the service's
    database setting (`service_database()`) when it was started outside the calling test."""
    return subprocess.run(
        [sys.executable, "-m", "webapi.cli", "token", *args],
        env={**os.environ, "DISPYCLUSTER_DATA_DIR": str(data_dir), **(env or {})},
        cwd=data_dir.parent,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def create_token(data_dir: Path, name: str, role: str, *extra: str, env: dict[str, str] | None = None) -> str:
    done = token_cli(data_dir, "create", "--name", name, "--role", role, *extra, env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def role_tokens(data_dir: Path, prefix: str = "test") -> dict[str, str]:
    """One token per role, named `<prefix>-<role>`."""
    return {role: create_token(data_dir, f"{prefix}-{role}", role) for role in ROLES}
