"""Finds every feature's tables without a list: each `tables.py` under `webapi/` declares its tables on the
shared `Base`, and importing them all completes `Base.metadata` (for Alembic and for tests).

A new feature's `tables.py` is found as it is; nothing here names a feature.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from sqlalchemy import MetaData

import webapi
from webapi.core.db.base import Base

TABLE_MODULE = "tables.py"


def table_modules() -> list[str]:
    """The dotted names of every `tables` module of the `webapi` package, sorted."""
    root = Path(webapi.__file__).parent
    return sorted(
        ".".join(("webapi", *path.relative_to(root).with_suffix("").parts))
        for path in root.rglob(TABLE_MODULE)
    )


def load_tables() -> MetaData:
    """Import every `tables` module; the answer is `Base.metadata` with all of their tables."""
    for name in table_modules():
        importlib.import_module(name)
    return Base.metadata
