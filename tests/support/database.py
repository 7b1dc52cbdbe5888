"""Which database the tests use: SQLite files by default, PostgreSQL when the run asks for it."""

from __future__ import annotations

import os
from pathlib import Path

TEST_DATABASE_ENV = "DISPYCLUSTER_TEST_DATABASE"
DATABASE_URL_ENV = "DISPYCLUSTER_DATABASE_URL"


def postgres_requested() -> bool:
    return os.environ.get(TEST_DATABASE_ENV, "").lower() == "postgresql"


def database_url(sqlite_file: Path) -> str:
    """The test's own PostgreSQL database in PostgreSQL mode, else a SQLite database at `sqlite_file`."""
    return os.environ.get(DATABASE_URL_ENV) or f"sqlite:///{sqlite_file}"
