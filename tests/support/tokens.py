"""Named API tokens for tests, made with the real `dispycluster token` command on a service's data dir."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROLES = ("viewer", "operator", "admin")


def token_cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`dispycluster token ARGS` with the settings a service on `data_dir` reads (and, in PostgreSQL
    mode, the test's database inherited through DISPYCLUSTER_DATABASE_URL)."""
    return subprocess.run(
        [sys.executable, "-m", "webapi.cli", "token", *args],
        env={**os.environ, "DISPYCLUSTER_DATA_DIR": str(data_dir)},
        cwd=data_dir.parent,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def create_token(data_dir: Path, name: str, role: str, *extra: str) -> str:
    done = token_cli(data_dir, "create", "--name", name, "--role", role, *extra)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def role_tokens(data_dir: Path, prefix: str = "test") -> dict[str, str]:
    """One token per role, named `<prefix>-<role>`."""
    return {role: create_token(data_dir, f"{prefix}-{role}", role) for role in ROLES}
