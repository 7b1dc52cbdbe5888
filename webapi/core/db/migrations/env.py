"""Alembic environment: runs on the connection `webapi.core.db.migrate` hands it (no alembic.ini needed)."""

from alembic import context

from webapi.core.db.discovery import load_tables

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=load_tables(),
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
