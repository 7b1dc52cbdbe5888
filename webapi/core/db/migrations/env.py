"""Alembic environment: runs on the connection `webapi.core.db.migrate` hands it (no alembic.ini needed)."""

from alembic import context

from webapi.core.db import models  # noqa: F401  (registers every table on Base.metadata)
from webapi.core.db.base import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
